/** The indices of the k largest values (ties → lower index first), ascending: an oracle for FastV-style selections in tests. */
export const topK = (v: ArrayLike<number>, k: number): number[] =>
  Array.from(v, (x, i) => [x, i] as const)
    .sort((a, b) => b[0] - a[0] || a[1] - b[1])
    .slice(0, k)
    .map(([, i]) => i)
    .sort((a, b) => a - b);
