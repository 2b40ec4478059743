/**
 * The timing table: CPU lazy, GPU dense and `auto` on LLaVA- and InternVL-size requests, medians
 * over repeats of the same inputs in the same process, with the exactness of all three checked.
 */
import { d2prune } from '@d2pruner/methods';

/** The speed-table requests of issue 12 (sizes, budgets, alpha). */
export const REQUESTS = [
  { scene: 'llava', keep: 64, params: { alpha: 1 } },
  { scene: 'llava', keep: 128, params: { alpha: 0.5 } },
  { scene: 'internvl', keep: 333, params: { alpha: 1 } },
  { scene: 'internvl', keep: 333, params: { alpha: 0.5 } },
];

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function timed(fn, repeats) {
  const first = await fn();
  const ms = [];
  let last = first;
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    last = await fn();
    ms.push(performance.now() - t0);
  }
  return { ms: median(ms), result: last };
}

/** Times every request on `cpu`, `gpu` (a backend name) and `auto`; returns rows for the table. */
export async function timingRows(scenes, registry, gpu, repeats) {
  const rows = [];
  for (const r of REQUESTS) {
    const input = scenes[r.scene].input;
    const run = (backend) => () => d2prune(input, r.keep, { ...r.params, debias: 'none' }, { backend, registry });
    const cpu = await timed(run('cpu'), repeats);
    const dense = await timed(run(gpu), repeats);
    const auto = await timed(run('auto'), repeats);
    const keep = (s) => JSON.stringify([s.keep, s.picks, s.rounds]);
    const exact = keep(cpu.result) === keep(dense.result) && keep(cpu.result) === keep(auto.result);
    rows.push({
      request: `${r.scene} ${input.features.rows}×${input.features.cols} keep ${r.keep} α ${r.params.alpha}`,
      rounds: cpu.result.rounds,
      cpuMs: cpu.ms,
      gpuMs: dense.ms,
      autoMs: auto.ms,
      autoRan: auto.result.backend,
      uncertain: dense.result.timings.uncertain ?? 0,
      graphMs: dense.result.timings.graphMs ?? 0,
      exact,
      keep: cpu.result.keep,
    });
  }
  return rows;
}

/** The table as text lines (ms, medians; auto / best of the other two). */
export function formatTable(rows, gpu) {
  const f = (v) => v.toFixed(2).padStart(9);
  const lines = [`| request | rounds | CPU lazy ms | ${gpu} dense ms (graph, uncertain) | auto ms (ran) | auto / best | exact |`, '|---|---|---|---|---|---|---|'];
  for (const r of rows) {
    const ratio = r.autoMs / Math.min(r.cpuMs, r.gpuMs);
    lines.push(`| ${r.request} | ${r.rounds} | ${f(r.cpuMs)} | ${f(r.gpuMs)} (${r.graphMs.toFixed(2)}, ${r.uncertain}) | ${f(r.autoMs)} (${r.autoRan}) | ${ratio.toFixed(2)} | ${r.exact ? 'yes' : 'NO'} |`);
  }
  return lines;
}
