// Third-party packages for the consumer projects, taken from the repository's installed
// node_modules (the versions `npm ci` put there from the lockfile) and packed into tarballs, so
// that installing a consumer needs neither the registry nor the npm cache.
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { REPO, npmPack, readJson } from './workspace.mjs';

/** The installed folder of `name` as Node would find it from `fromDir` (walking up node_modules). */
export function resolveInstalled(name, fromDir) {
  let dir = fromDir;
  for (;;) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/**
 * The third-party closure of `roots` (`[{ name, from }]`, `from` = folder to resolve from):
 * dependencies and optional dependencies, transitively, as `Map(name → { dir, version, optional })`.
 * A missing optional dependency is skipped; a missing required one throws.
 */
export function thirdPartyClosure(roots) {
  const found = new Map();
  const queue = roots.map((r) => ({ ...r, optional: Boolean(r.optional) }));
  while (queue.length) {
    const { name, from, optional } = queue.shift();
    if (name.startsWith('@d2pruner/')) continue;
    if (found.has(name)) {
      if (!optional) found.get(name).optional = false;
      continue;
    }
    const dir = resolveInstalled(name, from);
    if (!dir) {
      if (optional) continue;
      throw new Error(`${name} (needed from ${from}) is not installed in the repository; run npm ci`);
    }
    const pkg = readJson(join(dir, 'package.json'));
    found.set(name, { name, dir, version: pkg.version, optional });
    for (const d of Object.keys(pkg.dependencies ?? {})) queue.push({ name: d, from: dir, optional });
    for (const d of Object.keys(pkg.optionalDependencies ?? {})) queue.push({ name: d, from: dir, optional: true });
    for (const d of Object.keys(pkg.peerDependencies ?? {})) if (!pkg.peerDependenciesMeta?.[d]?.optional) queue.push({ name: d, from: dir, optional });
  }
  return found;
}

/**
 * Packs each package of `closure` into `dest` (reusing `cacheDir/<name>-<version>.tgz` when
 * present: packing Dawn's 130 MB takes a while). Returns `Map(name → tarball file name)`.
 */
export function packVendored(closure, dest, cacheDir = join(REPO, 'node_modules', '.cache', 'd2pruner-packaging')) {
  mkdirSync(cacheDir, { recursive: true });
  const out = new Map();
  for (const { name, dir, version } of closure.values()) {
    const file = `${name.replace(/^@/, '').replace('/', '-')}-${version}.tgz`;
    const cached = join(cacheDir, file);
    if (!existsSync(cached)) {
      const info = npmPack(dir, cacheDir);
      if (info.filename !== file) copyFileSync(join(cacheDir, info.filename), cached);
    }
    copyFileSync(cached, join(dest, file));
    out.set(name, file);
  }
  return out;
}
