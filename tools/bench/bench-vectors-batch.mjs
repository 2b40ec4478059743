// The whole baseline vector set (fixtures/vectors/baselines, every case) through the real
// `d2pruner prune --batch` process, reading included; checks every result line's keep against the
// reference and prints the wall time (issue 13: ≤ 60 s). Run with `npm run bench:vectors`
// (builds the CLI first). Extra CLI flags can follow: `npm run bench:vectors -- --workers 2`.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const vectors = join(root, 'fixtures/vectors/baselines');
const cases = JSON.parse(readFileSync(join(vectors, 'baseline-cases-7.json'), 'utf8'));
const dir = mkdtempSync(join(tmpdir(), 'd2pruner-vectors-'));
const batch = join(dir, 'cases.jsonl');
writeFileSync(batch, cases.map((c) => JSON.stringify({ input: join(vectors, c.input), method: c.method, keep: c.keep, params: c.params })).join('\n') + '\n');

const t0 = performance.now();
const run = spawnSync(process.execPath, [join(root, 'packages/cli/bin/d2pruner.js'), 'prune', '--batch', batch, ...process.argv.slice(2)], { encoding: 'utf8', maxBuffer: 1 << 30 });
const seconds = (performance.now() - t0) / 1000;
rmSync(dir, { recursive: true, force: true });
if (run.status !== 0) throw new Error(`prune --batch exited ${run.status}: ${run.stderr.slice(0, 2000)}`);
const lines = run.stdout.trim().split('\n').map((l) => JSON.parse(l));
let wrong = 0;
lines.forEach((r, i) => {
  if (r.error || JSON.stringify(r.keep) !== JSON.stringify(cases[i].expected.keep)) wrong++;
});
const byMethod = {};
for (const c of cases) byMethod[c.method] = (byMethod[c.method] ?? 0) + 1;
console.log(`prune --batch over ${cases.length} baseline vector cases (${Object.entries(byMethod).map(([m, k]) => `${m} ${k}`).join(', ')}), Node ${process.version}`);
console.log(`wall ${seconds.toFixed(1)} s (process start and file reading included); ${lines.length} result lines, ${wrong} keep mismatches or errors`);
if (wrong || lines.length !== cases.length) process.exitCode = 1;
