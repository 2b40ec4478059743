#!/usr/bin/env node
// Installs each consumer project of examples/consumers/ from packed tarballs, offline, in a
// fresh temporary copy, and runs its test:
//   node tools/packaging/consumer-tests.mjs [--only node-minimal,browser-bundle] [--no-build] [--keep]
//
// 1. reads each example's package.json: its @d2pruner/* dependencies must be `file:../tarballs/…`
//    (never a registry version, never the repository);
// 2. builds the packages they need with nx (`--no-build` skips it; dist/ must then exist);
// 3. `npm pack`s them (and their internal dependencies) into TMP/consumers/tarballs/;
// 4. packs the third-party packages they need at run time (rxjs, @webgpu/types, webgpu, …) from the
//    repository's node_modules into TMP/consumers/vendor/ — the exact lockfile versions, so the
//    install needs neither the registry nor the npm cache (a fresh empty cache is used);
// 5. copies each example to TMP/consumers/NAME, points its transitive @d2pruner/* and third-party
//    packages at those tarballs (`overrides`), drops its devDependencies and instead links the
//    repository's dev tools (vite, playwright-core, typescript, @types/node) into
//    TMP/consumers/node_modules — a parent folder, so they never appear in the example's own
//    node_modules;
// 6. `npm install --offline` there, then `npm test`. Exit code 77 from a test means "skipped"
//    (e.g. no Chromium), reported as such. Exits non-zero if any install or test fails.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { spawnSync } from 'node:child_process';
import { NOT_PACKED_BY_CONSUMER_TESTS, REPO, assertBuilt, internalClosure, npmPack, nxBuild, publishedPackages, readJson, satisfies } from './lib/workspace.mjs';
import { packVendored, resolveInstalled, thirdPartyClosure } from './lib/vendor.mjs';

const EXAMPLES = join(REPO, 'examples', 'consumers');
const TARBALL_SPEC = /^file:\.\.\/tarballs\/(d2pruner-[\w-]+\.tgz)$/;
const SKIPPED = 77;

function parseArgs(argv) {
  const opts = { only: undefined, build: true, keep: false };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--only') opts.only = new Set(argv[++i].split(','));
    else if (argv[i] === '--no-build') opts.build = false;
    else if (argv[i] === '--keep') opts.keep = true;
    else throw new Error(`unknown argument ${argv[i]}; usage: consumer-tests.mjs [--only a,b] [--no-build] [--keep]`);
  }
  return opts;
}

/** The example projects, with their @d2pruner dependencies checked to be tarball-only. */
function readExamples(only) {
  const out = [];
  for (const name of readdirSync(EXAMPLES).sort()) {
    const file = join(EXAMPLES, name, 'package.json');
    if (!existsSync(file) || (only && !only.has(name))) continue;
    const pkg = readJson(file);
    const internal = [];
    for (const field of ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies']) {
      for (const [dep, spec] of Object.entries(pkg[field] ?? {})) {
        if (!dep.startsWith('@d2pruner/')) continue;
        const m = TARBALL_SPEC.exec(spec);
        if (field !== 'dependencies' || !m) throw new Error(`${name}: ${field}.${dep} = ${spec}; consumers take @d2pruner packages only as dependencies on file:../tarballs/d2pruner-NAME.tgz`);
        if (m[1] !== tarballName(dep)) throw new Error(`${name}: ${dep} must point at ../tarballs/${tarballName(dep)}`);
        internal.push(dep);
      }
    }
    out.push({ name, dir: join(EXAMPLES, name), pkg, internal });
  }
  if (only) for (const n of only) if (!out.some((e) => e.name === n)) throw new Error(`no consumer example named ${n} in ${EXAMPLES}`);
  return out;
}

/** `@d2pruner/core` → `d2pruner-core.tgz` (unversioned, so the examples survive releases). */
function tarballName(pkgName) {
  return `${pkgName.replace('@', '').replace('/', '-')}.tgz`;
}

/** Links each dev tool (and its bins) from the repository into `root/node_modules`. */
function linkDevTools(names, root) {
  const nm = join(root, 'node_modules');
  mkdirSync(join(nm, '.bin'), { recursive: true });
  const linked = [];
  for (const name of names) {
    const dir = resolveInstalled(name, REPO);
    if (!dir) throw new Error(`dev tool ${name} is not installed in the repository (npm ci)`);
    const target = join(nm, name);
    mkdirSync(dirname(target), { recursive: true });
    symlinkSync(realpathSync(dir), target, 'dir');
    const pkg = readJson(join(dir, 'package.json'));
    const bins = typeof pkg.bin === 'string' ? { [basename(name)]: pkg.bin } : (pkg.bin ?? {});
    for (const [b, file] of Object.entries(bins)) symlinkSync(realpathSync(join(dir, file)), join(nm, '.bin', b));
    linked.push(`${name}@${pkg.version}`);
  }
  return linked;
}

/** Every package folder under a node_modules tree, as names (scoped ones as @scope/name). */
function installedPackages(dir) {
  const out = [];
  if (!existsSync(dir)) return out;
  for (const e of readdirSync(dir)) {
    if (e.startsWith('.')) continue;
    if (e.startsWith('@')) for (const s of readdirSync(join(dir, e))) out.push(`${e}/${s}`, ...installedPackages(join(dir, e, s, 'node_modules')));
    else out.push(e, ...installedPackages(join(dir, e, 'node_modules')));
  }
  return out;
}

function duBytes(path) {
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st) return 0;
  if (!st.isDirectory()) return st.size;
  return readdirSync(path).reduce((s, e) => s + duBytes(join(path, e)), 0);
}

/** Copies the example (sources only) and rewrites its manifest for the offline install. */
function stageExample(ex, root, packed, vendored) {
  const dest = join(root, ex.name);
  cpSync(ex.dir, dest, { recursive: true, filter: (src) => !/[/\\](node_modules|dist|package-lock\.json)$/.test(src) });
  const pkg = JSON.parse(JSON.stringify(ex.pkg));
  const direct = new Set(Object.keys(pkg.dependencies ?? {}));
  const overrides = {};
  for (const [name, file] of packed) if (!direct.has(name)) overrides[name] = `file:../tarballs/${file}`;
  for (const [name, { file, version }] of vendored) {
    if (direct.has(name)) {
      const declared = pkg.dependencies[name];
      if (satisfies(version, declared) === false) throw new Error(`${ex.name}: declares ${name}@${declared} but the repository has ${version}`);
      pkg.dependencies[name] = `file:../vendor/${file}`;
    } else overrides[name] = `file:../vendor/${file}`;
  }
  pkg.overrides = { ...(pkg.overrides ?? {}), ...overrides };
  const dev = Object.keys(pkg.devDependencies ?? {});
  delete pkg.devDependencies;
  writeFileSync(join(dest, 'package.json'), JSON.stringify(pkg, null, 2) + '\n');
  return { dest, dev };
}

function npm(args, cwd, env = {}) {
  const t0 = performance.now();
  const res = spawnSync('npm', args, { cwd, encoding: 'utf8', env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
  return { status: res.status, out: `${res.stdout}${res.stderr}`, seconds: (performance.now() - t0) / 1000 };
}

function main() {
  const opts = parseArgs(process.argv.slice(2));
  const examples = readExamples(opts.only);
  if (!examples.length) throw new Error(`no consumer examples in ${EXAMPLES}`);
  const byName = new Map(publishedPackages().map((p) => [p.name, p]));
  const needed = internalClosure([...new Set(examples.flatMap((e) => e.internal))], byName);
  const forbidden = needed.filter((n) => NOT_PACKED_BY_CONSUMER_TESTS.has(n));
  if (forbidden.length) throw new Error(`consumer examples must not need ${forbidden.join(', ')}`);
  console.log(`consumers: ${examples.map((e) => e.name).join(', ')}\npackages: ${needed.join(', ')}`);
  if (opts.build) nxBuild(needed);
  for (const n of needed) assertBuilt(byName.get(n));

  const tmp = mkdtempSync(join(tmpdir(), 'd2pruner-consumers-'));
  const root = join(tmp, 'consumers');
  for (const d of ['tarballs', 'vendor']) mkdirSync(join(root, d), { recursive: true });
  const results = [];
  try {
    const packed = new Map();
    for (const n of needed) {
      const info = npmPack(byName.get(n).dir, join(root, 'tarballs'));
      renameSync(join(root, 'tarballs', info.filename), join(root, 'tarballs', tarballName(n)));
      packed.set(n, tarballName(n));
    }
    console.log(`packed ${packed.size} tarballs into ${join(root, 'tarballs')}`);
    const devTools = [...new Set(examples.flatMap((e) => Object.keys(e.pkg.devDependencies ?? {})))].sort();
    if (devTools.length) console.log(`dev tools linked from the repository: ${linkDevTools(devTools, root).join(', ')}`);

    for (const ex of examples) {
      console.log(`\n━━ ${ex.name}`);
      const mine = internalClosure(ex.internal, byName);
      const roots = Object.entries(ex.pkg.dependencies ?? {}).filter(([d]) => !d.startsWith('@d2pruner/')).map(([name]) => ({ name, from: REPO }));
      for (const n of mine) {
        const p = byName.get(n);
        for (const d of Object.keys(p.pkg.dependencies ?? {})) roots.push({ name: d, from: p.dir });
        for (const d of Object.keys(p.pkg.optionalDependencies ?? {})) roots.push({ name: d, from: p.dir, optional: true });
        for (const d of Object.keys(p.pkg.peerDependencies ?? {})) if (!p.pkg.peerDependenciesMeta?.[d]?.optional) roots.push({ name: d, from: p.dir });
      }
      const closure = thirdPartyClosure(roots);
      const files = packVendored(closure, join(root, 'vendor'));
      const vendored = new Map([...closure].map(([name, c]) => [name, { file: files.get(name), version: c.version }]));
      const tarballs = new Map(mine.map((n) => [n, packed.get(n)]));
      if (vendored.size) console.log(`  third-party (from the repository's node_modules): ${[...closure.values()].map((c) => `${c.name}@${c.version}${c.optional ? ' (optional)' : ''}`).join(', ')}`);
      const { dest, dev } = stageExample(ex, root, tarballs, vendored);
      if (dev.length) console.log(`  devDependencies ${dev.join(', ')}: from the linked dev tools`);

      const install = npm(['install', '--offline', '--no-audit', '--no-fund', '--cache', join(tmp, 'npm-cache')], dest);
      if (install.status !== 0) {
        console.log(install.out.replace(/^/gm, '    '));
        results.push({ name: ex.name, status: 'install failed' });
        continue;
      }
      const pkgs = installedPackages(join(dest, 'node_modules'));
      const mb = duBytes(join(dest, 'node_modules')) / 1e6;
      console.log(`  installed offline in ${install.seconds.toFixed(1)} s: ${pkgs.length} packages, ${mb.toFixed(1)} MB — ${pkgs.sort().join(', ')}`);

      const test = npm(['test', '--silent'], dest, { D2PRUNER_VECTORS: join(REPO, 'fixtures', 'vectors', 'd2pruner') });
      console.log(test.out.trimEnd().replace(/^/gm, '  │ '));
      const status = test.status === 0 ? 'passed' : test.status === SKIPPED ? 'skipped' : `failed (exit ${test.status})`;
      console.log(`  ${status} in ${test.seconds.toFixed(1)} s`);
      results.push({ name: ex.name, status, packages: pkgs.length, mb });
    }
  } finally {
    if (opts.keep) console.log(`\nkept ${tmp}`);
    else rmSync(tmp, { recursive: true, force: true });
  }
  console.log('\nconsumer tests:');
  for (const r of results) console.log(`  ${r.name.padEnd(16)} ${r.status}${r.packages ? ` (${r.packages} packages installed, ${r.mb.toFixed(1)} MB)` : ''}`);
  const bad = results.filter((r) => r.status !== 'passed' && r.status !== 'skipped');
  if (bad.length || results.length !== examples.length) process.exitCode = 1;
}

try {
  main();
} catch (e) {
  console.error(`consumer tests failed: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
}
