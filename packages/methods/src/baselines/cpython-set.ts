/**
 * Iteration order of a CPython 3.7–3.13 `set` built by inserting non-negative integers
 * `values` (distinct) in the given order — the simulated open-addressing table of
 * docs/baselines.md §3.1: size 8, linear probes of up to 9 slots while they fit, perturbation
 * π ← ⌊π/32⌋, i ← (5i + 1 + π) mod s, and a resize to the smallest power of two ≥ 8 above
 * 4·fill whenever 5·fill ≥ 3·(s − 1). Returns the values in ascending slot order, i.e.
 * `list(set(values))`.
 */
export function cpythonSetOrder(values: readonly number[]): number[] {
  let size = 8;
  let table = new Float64Array(size).fill(-1);
  let fill = 0;
  for (const x of values) {
    insert(table, x);
    fill++;
    if (5 * fill >= 3 * (size - 1)) {
      let next = 8;
      while (next <= 4 * fill) next *= 2;
      const stored = table.filter((v) => v >= 0);
      size = next;
      table = new Float64Array(size).fill(-1);
      for (const v of stored) insert(table, v);
    }
  }
  return Array.from(table.filter((v) => v >= 0));
}

function insert(table: Float64Array, x: number): void {
  const s = table.length;
  let i = x % s;
  let perturb = x;
  for (;;) {
    const w = i + 9 <= s - 1 ? 9 : 0;
    for (let k = i; k <= i + w; k++) {
      if (table[k] < 0) {
        table[k] = x;
        return;
      }
    }
    perturb = Math.floor(perturb / 32);
    i = (5 * i + 1 + perturb) % s;
  }
}
