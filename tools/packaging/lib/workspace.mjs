// Shared helpers of the packaging scripts: the repository's published packages, child processes
// that fail loudly, and npm pack. Nothing here builds or writes inside the repository.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (tools/packaging/lib/../../..). */
export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/**
 * Packages the consumer examples must not need: the transformers.js runtime brings heavy
 * Node-only dependencies (onnxruntime), which the selective-install examples exist to avoid. (The
 * CLI takes it, the GPU backends and sharp only as optional peers, so cli-installed packs it.)
 */
export const NOT_PACKED_BY_CONSUMER_TESTS = new Set(['@d2pruner/transformers']);

/** Reads and parses a JSON file. */
export function readJson(file) {
  return JSON.parse(readFileSync(file, 'utf8'));
}

/**
 * The publishable packages: every non-private workspace under `packages/`, as
 * `{ name, version, dir, pkg }`, sorted by name.
 */
export function publishedPackages(root = REPO) {
  const base = join(root, 'packages');
  const out = [];
  for (const entry of readdirSync(base, { withFileTypes: true })) {
    const file = join(base, entry.name, 'package.json');
    if (!entry.isDirectory() || !existsSync(file)) continue;
    const pkg = readJson(file);
    if (pkg.private) continue;
    out.push({ name: pkg.name, version: pkg.version, dir: join(base, entry.name), pkg });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** Every internal (`@d2pruner/*`) dependency of a manifest: dependencies, peers and optional ones. */
export function internalDeps(pkg) {
  const names = new Set();
  for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
    for (const name of Object.keys(pkg[field] ?? {})) if (name.startsWith('@d2pruner/')) names.add(name);
  }
  return [...names];
}

/** `names` plus every internal package they need at run time, transitively. */
export function internalClosure(names, byName) {
  const seen = new Set();
  const visit = (name) => {
    if (seen.has(name)) return;
    const p = byName.get(name);
    if (!p) throw new Error(`unknown workspace package ${name}`);
    seen.add(name);
    for (const d of internalDeps(p.pkg)) {
      const optionalPeer = p.pkg.peerDependenciesMeta?.[d]?.optional;
      if (!optionalPeer) visit(d);
    }
  };
  names.forEach(visit);
  return [...seen].sort();
}

/**
 * Runs a command; throws (with its output) when it fails. `quiet` captures output instead of
 * streaming it. Returns captured stdout.
 */
export function run(cmd, args, { cwd = REPO, env = {}, quiet = false, allowFail = false } = {}) {
  const res = spawnSync(cmd, args, {
    cwd,
    env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false', ...env },
    encoding: 'utf8',
    stdio: quiet ? ['ignore', 'pipe', 'pipe'] : ['ignore', 'inherit', 'inherit'],
    maxBuffer: 256 * 1024 * 1024,
  });
  if (res.error) throw res.error;
  if (res.status !== 0 && !allowFail) {
    const out = quiet ? `\n${res.stdout ?? ''}${res.stderr ?? ''}` : '';
    throw new Error(`${cmd} ${args.join(' ')} (in ${cwd}) exited with ${res.status}${out}`);
  }
  return quiet ? { status: res.status, stdout: res.stdout, stderr: res.stderr } : { status: res.status, stdout: '', stderr: '' };
}

/** The repository's own copy of a command-line tool (node_modules/.bin), never a download. */
export function bin(name, root = REPO) {
  const file = join(root, 'node_modules', '.bin', name);
  if (!existsSync(file)) throw new Error(`${name} is not installed in ${root}/node_modules (run npm ci)`);
  return file;
}

/** Builds workspace packages (and, through nx's dependsOn, their dependencies). */
export function nxBuild(names, root = REPO) {
  if (!names.length) return;
  run(bin('nx', root), ['run-many', '-t', 'build', '-p', ...names, '--output-style=static'], { cwd: root });
}

/**
 * Throws unless every file an export map, `main`, `types` or `bin` points to exists (i.e. the
 * package was built). Conditions pointing into `src/` are the in-repo source condition.
 */
export function assertBuilt(p) {
  const targets = new Set();
  const walk = (v) => {
    if (typeof v === 'string') targets.add(v);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(p.pkg.exports);
  for (const f of ['main', 'types']) if (p.pkg[f]) targets.add(p.pkg[f]);
  const missing = [...targets].filter((t) => !t.includes('*') && !existsSync(join(p.dir, t)));
  if (missing.length) throw new Error(`${p.name} is not built: missing ${missing.join(', ')} (npx nx run ${p.name}:build)`);
}

/**
 * `npm pack` of a package folder into `dest`, scripts off; returns the tarball's file name and
 * the npm-reported metadata.
 */
export function npmPack(dir, dest) {
  const { stdout } = run('npm', ['pack', dir.startsWith('/') ? dir : `./${dir}`, '--pack-destination', dest, '--ignore-scripts', '--json', '--silent'], { quiet: true, cwd: REPO });
  const [info] = JSON.parse(stdout.slice(stdout.indexOf('[')));
  return info;
}

/**
 * Minimal semver check for the ranges this repository writes: exact `x.y.z`, `^x.y.z`, `~x.y.z`
 * and space-separated comparators (`>=0.1.0 <1.0.0`). Returns `undefined` for anything else
 * (`||`, `x`, tags), which callers treat as "not checked". Prerelease tags are ignored.
 */
export function satisfies(version, range) {
  const parse = (v) => v.split('-')[0].split('.').map(Number);
  const cmp = (a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
  const v = parse(version);
  const parts = range.trim().split(/\s+/);
  for (const part of parts) {
    const m = /^(\^|~|>=|<=|>|<|=)?(\d+)\.(\d+)\.(\d+)(?:-[\w.-]+)?$/.exec(part);
    if (!m) return undefined;
    const r = [Number(m[2]), Number(m[3]), Number(m[4])];
    const c = cmp(v, r);
    const op = m[1] ?? '=';
    if (op === '^') {
      const upper = r[0] > 0 ? [r[0] + 1, 0, 0] : r[1] > 0 ? [0, r[1] + 1, 0] : [0, 0, r[2] + 1];
      if (c < 0 || cmp(v, upper) >= 0) return false;
    } else if (op === '~') {
      if (c < 0 || cmp(v, [r[0], r[1] + 1, 0]) >= 0) return false;
    } else if (!{ '=': c === 0, '>=': c >= 0, '<=': c <= 0, '>': c > 0, '<': c < 0 }[op]) return false;
  }
  return true;
}
