// `d2pruner eval` on the CPU: labelled LLaVA-1.5 scenes (576 tokens, width 1024 by default), 4 methods
// × 2 budgets, files on disk read through the Node reader, in process: the main thread alone
// (`evaluateOutcomes`), then a worker pool of 1 and 2 threads with one task per (file, method,
// budget) that reads and decodes the file again (`evaluateOutcomes` with `poolStages`, what
// `eval --workers` did before), and with one task per file (`evaluateInPool`, what it does now).
// Pools are warmed by one untimed pass; medians over BENCH_REPS runs; every path must give the
// same outcomes as the main thread.
// Run with `npm run bench:eval` (builds first). Env: BENCH_FILES (default 100), BENCH_DIM
// (default 1024), BENCH_REPS (default 3).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evaluateOutcomes, makeScenes, sceneFileBytes } from '@d2pruner/pipeline';
import { createPrunePool, evaluateInPool, nodeReadFile, poolStages } from '@d2pruner/pipeline/node';
import { lastValueFrom, toArray } from 'rxjs';
import { median, row } from './stats.mjs';

const FILES = Number(process.env.BENCH_FILES ?? 100);
const DIM = Number(process.env.BENCH_DIM ?? 1024);
const REPS = Number(process.env.BENCH_REPS ?? 3);
const runs = ['d2pruner', 'fastv', 'divprune', 'cdpruner'].flatMap((method) => [0.1, 0.25].map((ratio) => ({ method, budget: { ratio } })));
const readFile = (path) => nodeReadFile(path, new AbortController().signal);

/** What an outcome says, without its timing (to check that every path agrees). */
function said(outcomes) {
  return JSON.stringify(outcomes.map((o) => [o.file, o.fileIndex, o.run.method, o.n, o.selection?.keep, o.error?.code]));
}

/** Median ms of `make()` run to completion, after one untimed run, and its outcomes. */
async function timed(make) {
  let outcomes = await lastValueFrom(make().pipe(toArray()));
  const ms = [];
  for (let r = 0; r < REPS; r++) {
    const t0 = performance.now();
    outcomes = await lastValueFrom(make().pipe(toArray()));
    ms.push(performance.now() - t0);
  }
  return { ms: median(ms), outcomes };
}

const dir = mkdtempSync(join(tmpdir(), 'd2pruner-bench-eval-'));
try {
  const files = [...makeScenes({ layout: 'llava-1.5', dim: DIM, seed: 7 }, FILES)].map((scene, k) => {
    const file = join(dir, `scene-${String(k).padStart(4, '0')}.safetensors`);
    writeFileSync(file, sceneFileBytes(scene));
    return file;
  });
  console.log(`d2pruner eval in process: ${FILES} labelled LLaVA-1.5 scenes (576 × ${DIM}), ${runs.length} (method, budget) pairs (${[...new Set(runs.map((r) => r.method))].join(', ')} × ratio 0.1, 0.25), files read from disk; median of ${REPS} runs after one untimed run, Node ${process.version}`);
  const widths = [34, 10, 14];
  console.log(row(['path', 'ms', 'vs main thread'], widths));
  const main = await timed(() => evaluateOutcomes(files, { runs, readFile, concurrency: 2 }));
  console.log(row(['main thread', main.ms.toFixed(0), '1.00×'], widths));
  for (const workers of [1, 2]) {
    const pool = createPrunePool({ workers });
    try {
      await pool.warm();
      const options = { runs, readFile, concurrency: 2 * workers };
      const perPair = await timed(() => evaluateOutcomes(files, { ...options, stages: poolStages(pool, {}) }));
      const perFile = await timed(() => evaluateInPool(files, { ...options, pool }));
      for (const [label, r] of [[`${workers} worker(s), one task per pair`, perPair], [`${workers} worker(s), one task per file`, perFile]]) {
        if (said(r.outcomes) !== said(main.outcomes)) throw new Error(`${label}: other outcomes than the main thread`);
        console.log(row([label, r.ms.toFixed(0), `${(main.ms / r.ms).toFixed(2)}×`], widths));
      }
    } finally {
      await pool.close();
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
