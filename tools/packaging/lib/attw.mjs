// attw (Are The Types Wrong) under `--profile esm-only`, judged from its JSON report rather than
// its exit code (see attwProblems).
import { spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * `attw --format json` of a tarball. Its report (tens of kB: every resolution trace) goes to a
 * file, not a pipe: attw ends with process.exit(), which can cut a piped stdout short (at 64 kB).
 */
export function attwJson(attw, tarball, tmp) {
  const file = join(tmp, 'attw.json');
  const fd = openSync(file, 'w');
  try {
    const res = spawnSync(attw, [tarball, '--profile', 'esm-only', '--format', 'json'], { stdio: ['ignore', fd, 'pipe'], encoding: 'utf8' });
    if (res.error) throw res.error;
    if (res.status !== 0 && res.status !== 1) throw new Error(`attw exited with ${res.status}: ${res.stderr}`);
  } finally {
    closeSync(fd);
  }
  return readFileSync(file, 'utf8');
}

/** Resolutions the `esm-only` profile ignores (why: tools/packaging/README.md). */
export const ATTW_IGNORED = new Set(['node10', 'node16-cjs']);

/**
 * The problems of an `attw --format json` run that count under `--profile esm-only`: those of a
 * resolution the profile does not ignore, whether the problem names it as `resolutionKind`
 * (entry-point problems) or `resolutionOption` (problems inside a file; `node10` there is the
 * ignored node10 resolution, `node16` and `bundler` still count). Unparsable output throws.
 */
export function attwProblems(stdout) {
  let report;
  try {
    report = JSON.parse(stdout.slice(stdout.indexOf('{')));
  } catch {
    throw new Error(`attw printed no JSON report:\n${stdout}`);
  }
  const all = report.analysis?.problems;
  if (!Array.isArray(all)) throw new Error(`attw's JSON report has no analysis.problems list:\n${stdout.slice(0, 500)}`);
  return all.filter((p) => {
    if (p.resolutionKind) return !ATTW_IGNORED.has(p.resolutionKind);
    if (p.resolutionOption) return !ATTW_IGNORED.has(p.resolutionOption);
    return true;
  });
}

/** One line for a problem: kind (entry point or file → specifier, resolution). */
export function describeAttw(p) {
  const where = p.entrypoint ?? (p.fileName ? `${p.fileName.replace(/^\/node_modules\/[^/]+\/[^/]+\//, '')}${p.moduleSpecifier ? ` → '${p.moduleSpecifier}'` : ''}` : '');
  const res = p.resolutionKind ?? p.resolutionOption;
  return `${p.kind}${where || res ? ` (${[where, res].filter(Boolean).join(', ')})` : ''}`;
}
