#!/usr/bin/env node
// Release rehearsal: version (changesets), build, pack — on a throwaway copy of the repository,
// so the working tree is never modified. Publishing is out of scope (offline).
//
//   node tools/packaging/release-dry.mjs [--out DIR] [--no-build] [--snapshot TAG] [--keep]
//
// 1. builds every published package in the repository with nx (skipped by --no-build; dist/
//    output is git-ignored, so the working tree stays as it was);
// 2. copies the repository's files (tracked and untracked-but-not-ignored, plus the packages'
//    dist/) to a temporary folder, with node_modules linked read-only for the changelog module;
// 3. runs `changeset version` there (`--snapshot TAG` for a 0.0.0-TAG-… snapshot instead);
// 4. `npm pack`s each published package into DIR (default: a new temporary folder), copies its
//    CHANGELOG.md to DIR/changelogs/, writes DIR/release.json, and checks that every tarball
//    carries the new version and that its internal dependency ranges accept the new versions.
// Exits non-zero when any step or check fails.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { REPO, assertBuilt, npmPack, nxBuild, publishedPackages, run, satisfies } from './lib/workspace.mjs';

function parseArgs(argv) {
  const opts = { out: undefined, build: true, snapshot: undefined, keep: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--out') opts.out = argv[++i];
    else if (a === '--no-build') opts.build = false;
    else if (a === '--snapshot') opts.snapshot = argv[++i];
    else if (a === '--keep') opts.keep = true;
    else throw new Error(`unknown argument ${a}; usage: release-dry.mjs [--out DIR] [--no-build] [--snapshot TAG] [--keep]`);
  }
  return opts;
}

/** Copies what git would see (tracked + untracked, not ignored) and the published dist/ folders. */
function copyRepository(dest, published) {
  const { stdout } = run('git', ['ls-files', '-co', '--exclude-standard', '-z'], { quiet: true });
  const files = stdout.split('\0').filter(Boolean);
  for (const f of files) {
    const from = join(REPO, f);
    if (!existsSync(from)) continue; // deleted but still tracked
    mkdirSync(dirname(join(dest, f)), { recursive: true });
    cpSync(from, join(dest, f), { dereference: false });
  }
  for (const p of published) cpSync(join(p.dir, 'dist'), join(dest, relative(REPO, p.dir), 'dist'), { recursive: true });
  // changesets resolves its changelog generator from the project; nothing writes here
  symlinkSync(join(REPO, 'node_modules'), join(dest, 'node_modules'), 'dir');
  return files.length;
}

function main() {
  const opts = parseArgs(process.argv.slice(2));
  const published = publishedPackages();
  const names = published.map((p) => p.name);
  console.log(`release:dry — ${names.length} published packages: ${names.join(', ')}`);
  if (opts.build) nxBuild(names);
  for (const p of published) assertBuilt(p);

  const work = mkdtempSync(join(tmpdir(), 'd2pruner-release-work-'));
  const out = opts.out ?? mkdtempSync(join(tmpdir(), 'd2pruner-release-'));
  mkdirSync(join(out, 'changelogs'), { recursive: true });
  try {
    const copied = copyRepository(work, published);
    console.log(`copied ${copied} files to ${work}`);
    const pending = run('node', [join(REPO, 'node_modules/@changesets/cli/bin.js'), 'status', '--verbose'], { cwd: work, quiet: true, allowFail: true });
    if (pending.stdout.trim()) console.log(pending.stdout.trim());
    const args = ['version', ...(opts.snapshot ? ['--snapshot', opts.snapshot] : [])];
    run('node', [join(REPO, 'node_modules/@changesets/cli/bin.js'), ...args], { cwd: work });

    const after = publishedPackages(work);
    const newVersion = new Map(after.map((p) => [p.name, p.version]));
    const release = [];
    const problems = [];
    const warnings = [];
    for (const p of after) {
      const before = published.find((q) => q.name === p.name).version;
      const info = npmPack(p.dir, out);
      const changelog = join(p.dir, 'CHANGELOG.md');
      const hasChangelog = existsSync(changelog);
      if (hasChangelog) cpSync(changelog, join(out, 'changelogs', `${p.name.replace('@d2pruner/', '')}.md`));
      else problems.push(`${p.name}: no CHANGELOG.md after versioning`);
      if (!info.files.some((f) => f.path === 'CHANGELOG.md') && hasChangelog) warnings.push(`${p.name}: CHANGELOG.md is not in the tarball (add it to "files")`);
      for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies', 'devDependencies']) {
        for (const [dep, range] of Object.entries(p.pkg[field] ?? {})) {
          if (!newVersion.has(dep)) continue;
          const ok = satisfies(newVersion.get(dep), range);
          if (ok === false) problems.push(`${p.name}: ${field}.${dep} = ${range} does not accept the released ${newVersion.get(dep)}`);
        }
      }
      if (info.version !== p.version) problems.push(`${p.name}: tarball says ${info.version}, package.json ${p.version}`);
      release.push({ name: p.name, from: before, to: p.version, tarball: info.filename, size: info.size, unpackedSize: info.unpackedSize, files: info.entryCount, integrity: info.integrity });
    }
    writeFileSync(join(out, 'release.json'), JSON.stringify(release, null, 2) + '\n');

    console.log(`\n${'package'.padEnd(30)} ${'version'.padEnd(20)} tarball (size)`);
    for (const r of release) console.log(`${r.name.padEnd(30)} ${`${r.from} → ${r.to}`.padEnd(20)} ${r.tarball} (${(r.size / 1024).toFixed(1)} kB)`);
    const majors = release.filter((r) => r.from.split('.')[0] !== r.to.split('.')[0]);
    if (majors.length) console.log(`\nnote: the major version changes (${majors[0].from} → ${majors[0].to}); check that the changesets meant it.`);
    const sample = join(out, 'changelogs', 'core.md');
    if (existsSync(sample)) console.log(`\nchangelogs/core.md:\n${readFileSync(sample, 'utf8').split('\n').slice(0, 12).join('\n')}`);
    console.log(`\ntarballs, changelogs/ and release.json in ${out}`);
    if (warnings.length) console.warn(`\nwarnings:\n  ${warnings.join('\n  ')}`);
    if (problems.length) {
      console.error(`\nrelease:dry found ${problems.length} problem(s):\n  ${problems.join('\n  ')}`);
      process.exitCode = 1;
    }
  } finally {
    if (opts.keep) console.log(`versioned copy kept in ${work}`);
    else rmSync(work, { recursive: true, force: true });
  }
}

try {
  main();
} catch (e) {
  console.error(`release:dry failed: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
}
