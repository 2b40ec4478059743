#!/usr/bin/env node
// Packaging lint of every published package, on the tarball npm would publish:
//   node tools/packaging/check-packages.mjs [--only core,methods] [--skip transformers]
// Builds nothing: dist/ must exist (`npx nx run-many -t build`, or `npm run build`).
//
// For each package: `npm pack` into a temporary folder (the package folder is only read), then
//   - publint --strict on the tarball: any message, suggestions included, is a failure;
//   - attw (Are The Types Wrong) on the tarball with `--profile esm-only`, judged from its JSON
//     report (lib/attw.mjs: attw's exit code fails on problems of resolutions the profile ignores);
//   - house rules: LICENSE, README.md and CHANGELOG.md-ready `files`, `sideEffects`,
//     `engines.node`, `license`, no test files or tsbuildinfo in the tarball, every target of
//     exports/imports/main/types/bin in the tarball (publint skips `imports` and custom
//     conditions), no stale build output (a dist/ module whose src/ module is gone), and no side
//     effects on import (each entry imported in a fresh process: no output, globals or live work).
// Exits non-zero when any package has any problem.
//
// Why `--profile esm-only`: every package is `"type": "module"` and ships ESM only (exports
// have `types` + `default`, no `require` condition). attw's default profile also resolves as
// `node10` (no `exports` support: subpaths such as `/register` cannot resolve there) and as
// `node16` from CommonJS (a `require()` of an ES module, which attw reports as
// CJSResolvesToESM). Neither is a supported way to load these packages: TypeScript users need
// `moduleResolution` node16/nodenext/bundler, and CommonJS code uses `import()` (or Node ≥ 20.19's
// require(esm)). `esm-only` ignores exactly those two resolutions and still checks node16-ESM and
// bundler resolution of every entry point, types included.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { attwJson, attwProblems, describeAttw } from './lib/attw.mjs';
import { assertBuilt, bin, npmPack, publishedPackages, run } from './lib/workspace.mjs';

function parseList(argv, flag) {
  const i = argv.indexOf(flag);
  if (i < 0) return undefined;
  return new Set(argv[i + 1].split(',').map((s) => (s.startsWith('@') ? s : `@d2pruner/${s}`)));
}

/**
 * Targets of `exports`, `imports`, `main`, `types` and `bin` that are not in the tarball, as
 * `field.path → target`. publint checks neither `imports` (`#dawn`) nor a custom condition such
 * as `@d2pruner/source`. A pattern target (`*`) must match at least one file.
 */
function unshippedTargets(p, paths) {
  const targets = [];
  const walk = (v, where) => {
    if (typeof v === 'string') targets.push([where, v]);
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, `${where}[${JSON.stringify(k)}]`);
  };
  for (const field of ['exports', 'imports', 'main', 'types', 'bin']) walk(p.pkg[field], field);
  const shipped = (t) => {
    const rel = posix.normalize(t);
    if (!t.includes('*')) return paths.has(rel);
    const [head, tail] = rel.split('*');
    return [...paths].some((f) => f.startsWith(head) && f.endsWith(tail) && f.length >= head.length + tail.length);
  };
  // an `imports` target may also be a bare package name, resolved from node_modules
  return targets.filter(([w, t]) => !(w.startsWith('imports') && !t.startsWith('./')) && !shipped(t)).map(([w, t]) => `${w} → ${t}`);
}

/**
 * Files of dist/ that a build step other than tsc writes, by package: they have no src/ module.
 * Anything else in dist/ must be the output of a src/ module.
 */
const EXTRA_BUILD_OUTPUT = {
  '@d2pruner/pipeline': ['dist/node/pool/worker.bundle.js'], // scripts/bundle-worker.mjs
  '@d2pruner/cli': ['dist/d2pruner.bundle.js'], // scripts/bundle-bin.mjs
};

/**
 * tsc output in the tarball (dist/X.js, .d.ts and their maps) whose module src/X.ts does not
 * exist: tsc never deletes, so a module removed or renamed in src/ stays in dist/ — and would be
 * published (and cached by nx as part of the build's output) — unless the build cleans dist/ first.
 */
function staleBuildOutput(p, paths) {
  const extra = new Set(EXTRA_BUILD_OUTPUT[p.name] ?? []);
  const out = [];
  for (const f of paths) {
    const m = /^dist\/(.+?)(\.d\.ts|\.js)(\.map)?$/.exec(f);
    if (!m || extra.has(f)) continue;
    if (!['.ts', '.tsx', '.mts'].some((ext) => existsSync(join(p.dir, 'src', `${m[1]}${ext}`)))) out.push(f);
  }
  return out.sort();
}

/**
 * Imports every entry point (`exports` but package.json) in a fresh Node process, by the
 * package's own name (self-reference, so the built dist/ the tarball holds), and reports side
 * effects on import (docs/architecture.md §2): anything printed, globals added, or work that keeps
 * the process alive (a timer, a worker, a socket) — the process must exit by itself.
 */
function importSideEffects(p) {
  const problems = [];
  const probe = (spec) => `
const names = new Set(Reflect.ownKeys(globalThis));
await import(${JSON.stringify(spec)});
const added = Reflect.ownKeys(globalThis).filter((k) => !names.has(k)).map(String);
const live = process.getActiveResourcesInfo().filter((r) => !/^(CloseReq|FSReqCallback|FSReqPromise|PipeWrap|TTYWrap)$/.test(r));
process.on('exit', () => process.stdout.write('\\n@@' + JSON.stringify({ added, live })));`;
  for (const [sub, target] of Object.entries(p.pkg.exports ?? {})) {
    if (sub.includes('*') || (typeof target === 'string' && target.endsWith('.json'))) continue;
    const spec = `${p.name}${sub.slice(1)}`;
    const res = spawnSync(process.execPath, ['--input-type=module', '-e', probe(spec)], { cwd: p.dir, encoding: 'utf8', timeout: 60_000, env: { ...process.env, NODE_OPTIONS: '' } });
    const out = `${res.stdout ?? ''}`;
    const at = out.lastIndexOf('\n@@');
    const printed = `${at >= 0 ? out.slice(0, at) : out}${res.stderr ?? ''}`.trim();
    if (res.error?.code === 'ETIMEDOUT' || res.signal) problems.push(`import '${spec}' keeps the process alive (no exit within 60 s)`);
    else if (res.status !== 0 || at < 0) problems.push(`import '${spec}' fails: ${printed.split('\n').slice(0, 3).join(' ')}`);
    else {
      const { added, live } = JSON.parse(out.slice(at + 3));
      if (printed) problems.push(`import '${spec}' prints: ${printed.slice(0, 200)}`);
      if (added.length) problems.push(`import '${spec}' adds globals: ${added.join(', ')}`);
      if (live.length) problems.push(`import '${spec}' leaves work running: ${live.join(', ')}`);
    }
  }
  return problems;
}

/** House rules publint does not check. */
function houseRules(p, files) {
  const problems = [];
  const paths = new Set(files.map((f) => f.path));
  for (const f of ['LICENSE', 'README.md', 'package.json']) if (!paths.has(f)) problems.push(`tarball has no ${f}`);
  if (p.pkg.sideEffects !== false) problems.push('`sideEffects` must be false (registration lives on explicit subpaths)');
  if (!p.pkg.engines?.node) problems.push('`engines.node` is missing');
  if (!p.pkg.license) problems.push('`license` is missing');
  if (p.pkg.type !== 'module') problems.push('`type` must be "module"');
  if (!(p.pkg.files ?? []).includes('CHANGELOG.md')) problems.push('`files` should list CHANGELOG.md (written by changeset version)');
  const stray = [...paths].filter((f) => /(^|\/)test\/|\.test\.[cm]?[jt]s$|\.tsbuildinfo$/.test(f));
  if (stray.length) problems.push(`tarball contains test or build-cache files: ${stray.slice(0, 5).join(', ')}`);
  const unshipped = unshippedTargets(p, paths);
  if (unshipped.length) problems.push(`package.json points at files the tarball lacks (check "files"): ${unshipped.join(', ')}`);
  problems.push(...importSideEffects(p));
  const stale = staleBuildOutput(p, paths);
  if (stale.length) problems.push(`tarball contains build output without a source in src/ (left in dist/ by an earlier build; rebuild the package from a clean dist/): ${stale.slice(0, 6).join(', ')}${stale.length > 6 ? ` and ${stale.length - 6} more` : ''}`);
  return problems;
}

function main() {
  const argv = process.argv.slice(2);
  const only = parseList(argv, '--only');
  const skip = parseList(argv, '--skip') ?? new Set();
  const packages = publishedPackages().filter((p) => (!only || only.has(p.name)) && !skip.has(p.name));
  if (!packages.length) throw new Error('no package selected');
  const publint = bin('publint');
  const attw = bin('attw');
  const tmp = mkdtempSync(join(tmpdir(), 'd2pruner-check-'));
  const failures = [];
  try {
    for (const p of packages) {
      console.log(`\n━━ ${p.name}@${p.version}`);
      const problems = [];
      try {
        assertBuilt(p);
      } catch (e) {
        failures.push(`${p.name}: ${e.message}`);
        console.log(`  ✗ ${e.message}`);
        continue;
      }
      const info = npmPack(p.dir, tmp);
      const tarball = join(tmp, info.filename);
      console.log(`  packed ${info.filename}: ${info.entryCount} files, ${(info.size / 1024).toFixed(1)} kB (${(info.unpackedSize / 1024).toFixed(1)} kB unpacked)`);

      const lint = run(publint, ['run', tarball, '--strict', '--level', 'suggestion'], { quiet: true, allowFail: true });
      const lintOut = `${lint.stdout}${lint.stderr}`.trim();
      const lintClean = lint.status === 0 && /All good!/.test(lintOut);
      console.log(`  publint --strict: ${lintClean ? 'clean' : 'PROBLEMS'}`);
      if (!lintClean) {
        console.log(lintOut.replace(/^/gm, '    '));
        problems.push('publint reported messages');
      }

      // attw's own exit code ignores a profile's resolutions only for problems that carry a
      // `resolutionKind`: file-level ones (InternalResolutionError: an import inside a .d.ts that
      // fails to resolve) carry a `resolutionOption` instead and fail the run even under an
      // ignored resolution (e.g. a `#imports` specifier under node10). So decide from the JSON.
      const typeProblems = attwProblems(attwJson(attw, tarball, tmp));
      console.log(`  attw --profile esm-only: ${typeProblems.length ? 'PROBLEMS' : 'clean'}`);
      if (typeProblems.length || argv.includes('--verbose')) {
        const table = run(attw, [tarball, '--profile', 'esm-only', '--format', 'table-flipped', '--no-color', '--no-emoji'], { quiet: true, allowFail: true });
        console.log(`${table.stdout}${table.stderr}`.trim().replace(/^/gm, '    '));
        for (const pr of typeProblems) console.log(`    - ${describeAttw(pr)}`);
      }
      if (typeProblems.length) problems.push(`attw reported problems: ${[...new Set(typeProblems.map(describeAttw))].join('; ')}`);

      const house = houseRules(p, info.files);
      console.log(`  house rules: ${house.length ? 'PROBLEMS' : 'clean'}`);
      for (const h of house) console.log(`    - ${h}`);
      problems.push(...house);
      for (const pr of problems) failures.push(`${p.name}: ${pr}`);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  console.log(`\n${packages.length - new Set(failures.map((f) => f.split(':')[0])).size}/${packages.length} packages clean`);
  if (failures.length) {
    console.error(`\npackaging check failed:\n  ${failures.join('\n  ')}`);
    process.exitCode = 1;
  }
}

try {
  main();
} catch (e) {
  console.error(`check-packages failed: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
}
