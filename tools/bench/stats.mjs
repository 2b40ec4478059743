// Timing helpers for the benchmark scripts: medians over repeated runs.

/** Median of a list of numbers. */
export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Runs `fn` `warmup` times, then `reps` times, returning the per-run milliseconds and the last result. */
export async function timeRuns(fn, reps, warmup = 1) {
  let result;
  for (let i = 0; i < warmup; i++) result = await fn();
  const ms = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    result = await fn();
    ms.push(performance.now() - t0);
  }
  return { ms, median: median(ms), result };
}

/** Formats a row of cells padded to widths. */
export function row(cells, widths) {
  return cells.map((c, i) => String(c).padStart(widths[i] ?? 10)).join('  ');
}
