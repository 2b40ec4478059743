// Every method at LLaVA-1.5 size (N 576, D 4096, keep 64) and InternVL-2.5 size (N 3328,
// D 1024, keep 333) on the realistic scenes, each request file on disk → result through the
// batch pipeline (reading included), with the numpy reference peer (peers/) on the same files in
// the same run (issues 3, 13); VisionZip in numpy twice: merged as the official code merges (the
// ratio column) and by member sums only, both also against our time to the selection without
// the result line (numpy writes none). Run with `npm run bench:methods` (builds first).
// Each case's numpy runs come just before ours, so a ratio's two sides are timed seconds apart.
// Each case is run 3 times untimed, then timed at least BENCH_REPS times and, for fast
// requests, until the timed runs add up to 0.4 s (file-run.mjs).
// numpy's BLAS uses every core (the ratio column); a last table runs the InternVL cases again
// with numpy held to one BLAS thread, as each of our requests runs on one thread (a per-core
// comparison). Env: BENCH_REPS (default 5; InternVL uses BENCH_REPS_LARGE, default 5),
// BENCH_PEER_REPS (default 3), BENCH_METHODS (comma list to restrict), BENCH_NO_PEER=1,
// BENCH_NO_ONE_THREAD=1 (skip the last table), BENCH_NO_HELPER=1 (no helper thread).
// Requests run on the main thread with the process's helper thread, as `d2pruner prune` runs
// them (CDPruner screens on the second core); CDPruner at InternVL size is also timed without
// it (row `cdpruner-1t`).
import { listMethods } from '@d2pruner/methods';
import { helperThread } from '@d2pruner/pipeline/node';
import { timeFile } from './file-run.mjs';
import { peerUnavailable, runPeer } from './peer.mjs';
import { internvlRealistic, llavaRealistic, withBaselineTensors } from './scene.mjs';
import { row } from './stats.mjs';
import { writeTokenFile } from './token-file.mjs';

const helper = process.env.BENCH_NO_HELPER === '1' ? undefined : helperThread();
const REPS = Number(process.env.BENCH_REPS ?? 5);
const REPS_LARGE = Number(process.env.BENCH_REPS_LARGE ?? 5);
const PEER_REPS = Number(process.env.BENCH_PEER_REPS ?? 3);
const only = process.env.BENCH_METHODS?.split(',');
const PEERS = new Set(['d2pruner', 'dart', 'divprune', 'vispruner', 'visionzip', 'cdpruner']);
const noPeer = process.env.BENCH_NO_PEER === '1' ? 'BENCH_NO_PEER=1' : peerUnavailable();
const methods = listMethods().map((m) => m.name).filter((m) => !only || only.includes(m));
const sizes = [
  ['LLaVA-1.5', writeTokenFile('methods-llava', withBaselineTensors(llavaRealistic())), 576, 64, REPS],
  ['InternVL-2.5', writeTokenFile('methods-internvl', withBaselineTensors(internvlRealistic())), 3328, 333, REPS_LARGE],
];

const cases = methods.flatMap((name) => sizes.map(([label, file, n, keep, reps]) => ({ name, label, file, n, keep, reps })));
console.log(`Methods on the CPU, Node ${process.version}: realistic scenes, file on disk → result (reading included), median ms`);
console.log(`numpy peer: ${noPeer ? `skipped — ${noPeer}` : `one untimed run, then at least ${PEER_REPS} timed runs per case (more for fast cases, until they add up to 0.4 s, as on our side), run just before our runs of the same case; same files, same run`}`);
console.log('stages (medians): read the file, decode (header, tensor views), method (validation included), rest (pipeline and the result line)');
console.log(`helper thread: ${helper ? 'yes (CDPruner screens on a second core, as `d2pruner prune` runs it); cdpruner-1t: without it' : 'no'}`);
const peerCases = noPeer ? [] : cases.filter((c) => PEERS.has(c.name));
// VisionZip twice in numpy: merged as the official code merges (a one-hot assignment matrix times
// the rows: the ratio column) and by summing each target's members only (faster than the official code)
const gatherCases = peerCases.filter((c) => c.name === 'visionzip');
const oneThreadCases = process.env.BENCH_NO_ONE_THREAD === '1' ? [] : peerCases.filter((c) => c.n > 1000);
const peer = new Map();
const gather = new Map();
const oneThread = new Map();
/**
 * The numpy runs of case `c`, made just before ours (so that both sides of a ratio are timed
 * within seconds of each other, not minutes apart on a machine whose speed drifts): the
 * official run, VisionZip's gather variant, and the one-BLAS-thread run of an InternVL case.
 */
function runPeersOf(c) {
  if (!peerCases.includes(c)) return;
  const requests = [c.name, ...(gatherCases.includes(c) ? ['visionzip-gather'] : [])].map((method) => ({ file: c.file.path, method, keep: c.keep, reps: PEER_REPS }));
  const [official, gathered] = runPeer(requests);
  peer.set(c, official);
  if (gathered) gather.set(c, gathered);
  if (oneThreadCases.includes(c)) oneThread.set(c, runPeer([requests[0]], { oneThread: true })[0]);
}

const widths = [11, 13, 6, 5, 6, 9, 6, 7, 8, 6, 9, 8, 5];
const projectMs = new Map();
console.log(row(['method', 'size', 'N', 'keep', 'MB', 'project', 'read', 'decode', 'method', 'rest', 'numpy', '×numpy', 'same'], widths));
/** Times case `c` (with `withHelper` the process's helper thread) and prints its row under `label`. */
async function timeCase(c, label, withHelper) {
  const t = await timeFile(c.file.path, c.name, c.keep, {}, c.reps, 3, withHelper ? helper : undefined);
  if (t.result.keep.length !== c.keep) throw new Error(`${c.name} kept ${t.result.keep.length}, expected ${c.keep}`);
  const p = peer.get(c);
  const same = p ? (JSON.stringify(p.keep) === JSON.stringify(t.result.keep) ? 'yes' : 'NO') : '—';
  const [read, decode, method] = [t.stage('readMs'), t.stage('decodeMs'), t.stage('pruneMs')];
  const stages = [read, decode - read, method, Math.max(0, t.median - decode - method)].map((x) => x.toFixed(1));
  const cells = [label, c.label, c.n, c.keep, (c.file.bytes / 1e6).toFixed(1), t.median.toFixed(1), ...stages, p ? p.median.toFixed(1) : '—', p ? `${(p.median / t.median).toFixed(1)}×` : '—', same];
  console.log(row(cells, widths));
  return { median: t.median, selection: decode + method };
}
for (const c of cases) {
  runPeersOf(c);
  projectMs.set(c, await timeCase(c, c.name, true));
  if (helper && c.name === 'cdpruner' && c.n > 1000) await timeCase(c, 'cdpruner-1t', false);
}
if (gather.size) {
  console.log("numpy's VisionZip above merges as the official code does (a one-hot assignment matrix times the rows to merge);");
  console.log('the same selection with each merged row summed from its own members only (faster than the official code);');
  console.log('numpy returns arrays and writes no result line: "to selection" is our file → selection (read, decode, method) without the line:');
  const w = [13, 9, 14, 9, 14, 11, 9, 5];
  console.log(row(['size', 'project', 'numpy gather', '×numpy', 'to selection', '×official', '×gather', 'same'], w));
  for (const [c, p] of gather) {
    const t = projectMs.get(c);
    if (t === undefined) continue;
    const same = JSON.stringify(p.keep) === JSON.stringify(peer.get(c)?.keep) ? 'yes' : 'NO';
    const official = peer.get(c)?.median;
    const ratios = [`${(p.median / t.median).toFixed(1)}×`, t.selection.toFixed(1), official ? `${(official / t.selection).toFixed(1)}×` : '—', `${(p.median / t.selection).toFixed(1)}×`];
    console.log(row([c.label, t.median.toFixed(1), p.median.toFixed(1), ...ratios, same], w));
  }
}
if (oneThreadCases.length) {
  console.log(`numpy held to one BLAS thread (OPENBLAS/OMP/MKL_NUM_THREADS=1; the ratio column above is against numpy's default, every core), against the same project medians:`);
  const w = [11, 13, 9, 11, 9, 13, 9];
  console.log(row(['method', 'size', 'project', 'numpy all', '×numpy', 'numpy 1 thr', '×1 thr'], w));
  oneThreadCases.forEach((c) => {
    const t = projectMs.get(c);
    const all = peer.get(c)?.median;
    const one = oneThread.get(c).median;
    if (t === undefined || all === undefined) return;
    console.log(row([c.name, c.label, t.median.toFixed(1), all.toFixed(1), `${(all / t.median).toFixed(1)}×`, one.toFixed(1), `${(one / t.median).toFixed(1)}×`], w));
  });
}
