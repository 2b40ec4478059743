// Every method at LLaVA-1.5 size (N 576, D 4096, keep 64) and InternVL-2.5 size (N 3328,
// D 4096, keep 333), medians in one table with D2Pruner (issue 3). Run with
// `npm run bench:methods` (builds first). Env: BENCH_REPS (default 5; InternVL uses
// BENCH_REPS_LARGE, default 3), BENCH_METHODS (comma list to restrict).
import { getMethod, listMethods } from '@d2pruner/methods';
import { internvlScene, llavaScene, withBaselineTensors } from './scene.mjs';
import { row, timeRuns } from './stats.mjs';

const REPS = Number(process.env.BENCH_REPS ?? 5);
const REPS_LARGE = Number(process.env.BENCH_REPS_LARGE ?? 3);
const only = process.env.BENCH_METHODS?.split(',');
const methods = listMethods().map((m) => m.name).filter((m) => !only || only.includes(m));
const sizes = [
  ['LLaVA-1.5', withBaselineTensors(llavaScene()), 64, REPS],
  ['InternVL-2.5', withBaselineTensors(internvlScene()), 333, REPS_LARGE],
];

const widths = [11, 16, 6, 6, 12, 10];
console.log(`Methods on CPU, Node ${process.version}; median ms over repeated runs (D 4096; parsing excluded)`);
console.log(row(['method', 'size', 'N', 'keep', 'median ms', 'runs'], widths));
for (const name of methods) {
  for (const [label, input, keep, reps] of sizes) {
    const method = getMethod(name);
    const r = await timeRuns(() => method.select(input, keep, {}), reps, name === 'd2pruner' ? 2 : 0);
    if (r.result.keep.length !== keep) throw new Error(`${name} kept ${r.result.keep.length}, expected ${keep}`);
    console.log(row([name, label, input.features.rows, keep, r.median.toFixed(1), reps], widths));
  }
}
