// D2Pruner CPU benchmark: lazy vs dense graph at LLaVA-1.5 and InternVL-2.5 sizes (issue 2).
// Run with `npm run bench` (builds first). Prints medians and the dense/lazy ratio of the same run.
// Env: BENCH_REPS (lazy, default 21), BENCH_DENSE_REPS (default 3), BENCH_QUICK=1 (skip InternVL dense).
import { d2pruneDense, d2pruneLazy } from '@d2pruner/methods';
import { internvlScene, llavaScene } from './scene.mjs';
import { row, timeRuns } from './stats.mjs';

const REPS = Number(process.env.BENCH_REPS ?? 21);
const DENSE_REPS = Number(process.env.BENCH_DENSE_REPS ?? 3);
const QUICK = process.env.BENCH_QUICK === '1';

const scenes = { llava: llavaScene(), internvl: internvlScene() };
const cases = [
  ['llava', 64, 1],
  ['llava', 128, 1],
  ['llava', 192, 1],
  ['llava', 64, 0.5],
  ['llava', 192, 0.5],
  ['internvl', 333, 1],
  ['internvl', 333, 0.5],
];

const widths = [9, 5, 6, 11, 11, 11, 11, 10, 8, 7];
console.log(`D2Pruner selection, CPU, Node ${process.version}; medians over ${REPS} lazy / ${DENSE_REPS} dense runs (parsing excluded, validation included)`);
console.log(row(['scene', 'keep', 'alpha', 'lazy ms', 'lazy p10', 'lazy p90', 'dense ms', 'dense/lazy', 'dots', 'rounds'], widths));
for (const [name, keep, alpha] of cases) {
  const input = scenes[name];
  const params = { alpha };
  const lazy = await timeRuns(() => d2pruneLazy(input, keep, params), REPS, 3);
  const sorted = [...lazy.ms].sort((a, b) => a - b);
  const p = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  let denseCell = 'skipped';
  let ratio = '—';
  if (!(QUICK && name === 'internvl')) {
    const dense = await timeRuns(() => d2pruneDense(input, keep, params), DENSE_REPS, 0);
    if (JSON.stringify(dense.result.keep) !== JSON.stringify(lazy.result.keep)) throw new Error(`lazy and dense disagree on ${name} keep ${keep}`);
    denseCell = dense.median.toFixed(1);
    ratio = `${(dense.median / lazy.median).toFixed(0)}×`;
  }
  const t = lazy.result.timings;
  console.log(row([name, keep, alpha, lazy.median.toFixed(2), p(0.1).toFixed(2), p(0.9).toFixed(2), denseCell, ratio, t.dots, lazy.result.rounds], widths));
  console.log(`          lazy breakdown (last run): validate ${t.validateMs.toFixed(2)} ms, score+sort ${t.scoreMs.toFixed(2)} ms, MIS ${t.misMs.toFixed(2)} ms, ${t.visited} candidates visited`);
}
