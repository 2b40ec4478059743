#!/usr/bin/env node
// Packaging lint of every published package, on the tarball npm would publish:
//   node tools/packaging/check-packages.mjs [--only core,methods] [--skip transformers]
// Builds nothing: dist/ must exist (`npx nx run-many -t build`, or `npm run build`).
//
// For each package: `npm pack` into a temporary folder (the package folder is only read), then
//   - publint --strict on the tarball: any message, suggestions included, is a failure;
//   - attw (Are The Types Wrong) on the tarball with `--profile esm-only`;
//   - house rules: LICENSE, README.md and CHANGELOG.md-ready `files`, `sideEffects`,
//     `engines.node`, `license`, no test files or tsbuildinfo in the tarball.
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
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertBuilt, bin, npmPack, publishedPackages, run } from './lib/workspace.mjs';

function parseList(argv, flag) {
  const i = argv.indexOf(flag);
  if (i < 0) return undefined;
  return new Set(argv[i + 1].split(',').map((s) => (s.startsWith('@') ? s : `@d2pruner/${s}`)));
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

      const types = run(attw, [tarball, '--profile', 'esm-only', '--format', 'table-flipped', '--no-color', '--no-emoji'], { quiet: true, allowFail: true });
      const typesOut = `${types.stdout}${types.stderr}`.trim();
      console.log(`  attw --profile esm-only: ${types.status === 0 ? 'clean' : 'PROBLEMS'}`);
      if (types.status !== 0 || argv.includes('--verbose')) console.log(typesOut.replace(/^/gm, '    '));
      if (types.status !== 0) problems.push('attw reported problems');

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
