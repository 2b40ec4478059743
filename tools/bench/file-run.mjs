// Runs one request the way `d2pruner prune --batch` does (read the file, decode, validate,
// select — the pipeline's batch stages) and returns the result line with its wall time: the line
// as the batch hands it to stdout (UTF-8 bytes for VisionZip's merged rows, else a string; it is
// parsed after the clock stops). One pooled reader serves every request, as in one
// `prune --batch` run.
import { pruneBatchResults } from '@d2pruner/pipeline';
import { pooledReadFile } from '@d2pruner/pipeline/node';
import { lastValueFrom } from 'rxjs';

const readFile = pooledReadFile();
const decoder = new TextDecoder();

/**
 * One request through the batch pipeline: `{ ms, result }` (result = the parsed result line);
 * `helper`: the process's helper thread (`helperThread()`), as the CLI passes it for requests on
 * its main thread.
 */
export async function runFile(file, method, keep, params = {}, helper = undefined) {
  const line = JSON.stringify({ input: file, method, keep, params });
  const t0 = performance.now();
  const r = await lastValueFrom(pruneBatchResults([line], { readFile, resolvePath: (p) => p, helper }));
  const ms = performance.now() - t0;
  const result = JSON.parse(r.bytes ? decoder.decode(r.bytes) : r.text);
  if (result.error) throw new Error(`${method} on ${file}: ${result.error.code} ${result.error.message}`);
  return { ms, result };
}

/** Timed runs go on past `reps` until they add up to this many ms (fast requests get more runs). */
const MIN_TIMED_MS = 400;
/** At most this many timed runs. */
const MAX_RUNS = 60;

/**
 * Runs `runFile` `warmup` times untimed (the JIT compiles the hot loops), then at least `reps`
 * times — more for fast requests, until the runs add up to {@link MIN_TIMED_MS} ms (at most
 * {@link MAX_RUNS}), so that one garbage collection does not move the median: per-run ms,
 * per-stage medians, the last result.
 */
export async function timeFile(file, method, keep, params, reps, warmup = 1, helper = undefined) {
  for (let i = 0; i < warmup; i++) await runFile(file, method, keep, params, helper);
  const runs = [];
  let total = 0;
  while (runs.length < reps || (total < MIN_TIMED_MS && runs.length < MAX_RUNS)) {
    const run = await runFile(file, method, keep, params, helper);
    runs.push(run);
    total += run.ms;
  }
  const med = (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    return s[s.length >> 1];
  };
  const stage = (key) => med(runs.map((r) => r.result.timings?.[key] ?? 0));
  return { ms: runs.map((r) => r.ms), median: med(runs.map((r) => r.ms)), stage, result: runs[runs.length - 1].result };
}
