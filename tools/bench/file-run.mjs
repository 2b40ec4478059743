// Runs one request the way `d2pruner prune --batch` does (read the file, decode, validate,
// select — the pipeline's batch stages) and returns the result line with its wall time. One
// pooled reader serves every request, as in one `prune --batch` run.
import { pruneBatchResults } from '@d2pruner/pipeline';
import { pooledReadFile } from '@d2pruner/pipeline/node';
import { lastValueFrom } from 'rxjs';

const readFile = pooledReadFile();

/** One request through the batch pipeline: `{ ms, result }` (result = the parsed result line). */
export async function runFile(file, method, keep, params = {}) {
  const line = JSON.stringify({ input: file, method, keep, params });
  const t0 = performance.now();
  const r = await lastValueFrom(pruneBatchResults([line], { readFile, resolvePath: (p) => p }));
  const ms = performance.now() - t0;
  const result = JSON.parse(r.text);
  if (result.error) throw new Error(`${method} on ${file}: ${result.error.code} ${result.error.message}`);
  return { ms, result };
}

/** Runs `runFile` `warmup` + `reps` times: per-run ms, per-stage medians, the last result. */
export async function timeFile(file, method, keep, params, reps, warmup = 1) {
  for (let i = 0; i < warmup; i++) await runFile(file, method, keep, params);
  const runs = [];
  for (let i = 0; i < reps; i++) runs.push(await runFile(file, method, keep, params));
  const med = (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    return s[s.length >> 1];
  };
  const stage = (key) => med(runs.map((r) => r.result.timings?.[key] ?? 0));
  return { ms: runs.map((r) => r.ms), median: med(runs.map((r) => r.ms)), stage, result: runs[runs.length - 1].result };
}
