// D2Pruner CPU benchmark (issues 2 and 13), run with `npm run bench` (builds first).
// 1. Realistic scenes (large near-uniform regions + objects, as photos are): each request runs
//    the way `d2pruner prune --batch` does — safetensors file on disk → result, reading included —
//    in F32, F16 and BF16, with the per-stage breakdown and the numpy peer (peers/) on the same
//    files in the same run; the issue's 4-request set is totalled per dtype.
// 2. The easy synthetic scenes (one MIS round) for comparison, and lazy vs dense graph at LLaVA size.
// Env: BENCH_REPS (default 11), BENCH_PEER_REPS (default 5), BENCH_DENSE_REPS (default 3),
// BENCH_DTYPES (default F32,F16,BF16), BENCH_NO_PEER=1.
import { d2pruneDense, d2pruneLazy } from '@d2pruner/methods';
import { timeFile } from './file-run.mjs';
import { peerUnavailable, runPeer } from './peer.mjs';
import { internvlRealistic, internvlScene, llavaRealistic, llavaScene } from './scene.mjs';
import { row, timeRuns } from './stats.mjs';
import { writeTokenFile } from './token-file.mjs';

const REPS = Number(process.env.BENCH_REPS ?? 11);
const PEER_REPS = Number(process.env.BENCH_PEER_REPS ?? 5);
const DENSE_REPS = Number(process.env.BENCH_DENSE_REPS ?? 3);
const DTYPES = (process.env.BENCH_DTYPES ?? 'F32,F16,BF16').split(',');
const noPeer = process.env.BENCH_NO_PEER === '1' ? 'BENCH_NO_PEER=1' : peerUnavailable();

const scenes = [
  ['llava-real', llavaRealistic(), [[64, 1], [128, 0.5]]],
  ['internvl-real', internvlRealistic(), [[333, 1], [333, 0.5]]],
  ['llava-easy', llavaScene(), [[64, 1], [128, 0.5]]],
  ['internvl-easy', internvlScene(1024), [[333, 1], [333, 0.5]]],
];

const rows = [];
for (const [name, input, requests] of scenes) {
  for (const dtype of name.endsWith('easy') ? ['F32'] : DTYPES) {
    const file = writeTokenFile(name, input, dtype);
    for (const [keep, alpha] of requests) rows.push({ name, dtype, file, keep, alpha, params: { alpha } });
  }
}

console.log(`D2Pruner on the CPU, Node ${process.version}: file on disk → result through the batch pipeline (read, decode, validate, select)`);
console.log('dots: SIMD dot products of the MIS round checks (int16 screen, float32 where it cannot decide); refine: pairs the int16 screen left to float32; implied: checks the triangle inequality answered without a dot');
console.log(`medians over ${REPS} runs or more (fast requests run until 0.4 s; numpy peer: ${noPeer ? `skipped — ${noPeer}` : `one untimed run, then ${PEER_REPS} runs or more, timed by the same rule, same files, same run, file reading included`})`);
const peer = noPeer ? [] : runPeer(rows.map((r) => ({ file: r.file.path, method: 'd2pruner', keep: r.keep, params: r.params, reps: PEER_REPS })));

const widths = [13, 5, 5, 4, 3, 6, 6, 6, 7, 7, 5, 6, 5, 5, 5, 5, 8, 7, 5];
console.log(row(['scene', 'dtype', 'MB', 'keep', 'α', 'rounds', 'dots', 'refine', 'implied', 'total', 'read', 'decode', 'valid', 'score', 'graph', 'mis', 'numpy', '×numpy', 'same'], widths));
const sets = new Map();
for (const [i, r] of rows.entries()) {
  const t = await timeFile(r.file.path, 'd2pruner', r.keep, r.params, REPS);
  const p = peer[i];
  const same = p ? (JSON.stringify(p.keep) === JSON.stringify(t.result.keep) ? 'yes' : 'NO') : '—';
  const read = t.stage('readMs');
  const cells = [
    r.name, r.dtype, (r.file.bytes / 1e6).toFixed(1), r.keep, r.alpha, t.result.rounds, t.result.timings.dots ?? 0, t.result.timings.refines ?? 0, t.result.timings.implied ?? 0, t.median.toFixed(1),
    read.toFixed(1), (t.stage('decodeMs') - read).toFixed(1), t.stage('validateMs').toFixed(1), t.stage('scoreMs').toFixed(1),
    t.stage('graphMs').toFixed(1), t.stage('misMs').toFixed(1), p ? p.median.toFixed(1) : '—', p ? `${(p.median / t.median).toFixed(1)}×` : '—', same,
  ];
  console.log(row(cells, widths));
  const key = `${r.name.endsWith('easy') ? 'easy' : 'realistic'} ${r.dtype}`;
  const s = sets.get(key) ?? { project: 0, numpy: 0, count: 0 };
  s.project += t.median;
  s.numpy += p ? p.median : NaN;
  s.count++;
  sets.set(key, s);
}
console.log('\nThe 4-request set of issue 13 (LLaVA 576×4096 keep 64 α1 / keep 128 α0.5; InternVL 3328×1024 keep 333 α1 / α0.5), sums of medians:');
for (const [key, s] of sets) {
  console.log(`  ${key.padEnd(14)} project ${s.project.toFixed(1)} ms, numpy ${Number.isNaN(s.numpy) ? '—' : `${s.numpy.toFixed(1)} ms → ${(s.numpy / s.project).toFixed(1)}×`}`);
}

console.log(`\nLazy vs dense graph, in memory (no file), easy LLaVA scene; medians over ${REPS} lazy / ${DENSE_REPS} dense runs`);
const dw = [9, 5, 6, 9, 9, 10];
console.log(row(['scene', 'keep', 'alpha', 'lazy ms', 'dense ms', 'dense/lazy'], dw));
const easy = llavaScene();
for (const [keep, alpha] of [[64, 1], [192, 1], [64, 0.5]]) {
  const lazy = await timeRuns(() => d2pruneLazy(easy, keep, { alpha }), REPS, 3);
  const dense = await timeRuns(() => d2pruneDense(easy, keep, { alpha }), DENSE_REPS, 0);
  if (JSON.stringify(dense.result.keep) !== JSON.stringify(lazy.result.keep)) throw new Error(`lazy and dense disagree at keep ${keep}`);
  console.log(row(['llava', keep, alpha, lazy.median.toFixed(2), dense.median.toFixed(1), `${(dense.median / lazy.median).toFixed(0)}×`], dw));
}
