/** The high word of a double is the second 32-bit word of its bytes (every current engine; else the caller sorts). */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * Indices sorted by score descending, equal scores → lower index first, by a stable LSD radix
 * sort over 64-bit keys that order doubles exactly as `<` does: O(N) passes instead of a
 * comparator sort's N·log N calls. −0 counts as +0 (they compare equal). Returns undefined when
 * a score is NaN (no total order) or on a big-endian engine: the caller keeps its comparator sort.
 */
export function radixRankOrder(score: ArrayLike<number>): Int32Array | undefined {
  if (!LITTLE_ENDIAN) return undefined;
  const n = score.length;
  const f = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const x = score[i] + 0;
    if (x !== x) return undefined;
    f[i] = x;
  }
  const words = new Uint32Array(f.buffer);
  // Sorted ascending by a key that falls as the value rises: a negative keeps its bit pattern
  // (larger magnitude, larger key); a non-negative takes the complement of its bits with the
  // sign bit cleared (larger value, smaller key, and below every negative's key).
  const hi = new Uint32Array(n);
  const lo = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const h = words[2 * i + 1];
    const l = words[2 * i];
    if (h & 0x80000000) {
      hi[i] = h;
      lo[i] = l;
    } else {
      hi[i] = ~h ^ 0x80000000;
      lo[i] = ~l;
    }
  }
  const counts = new Uint32Array(8 * 256);
  for (let i = 0; i < n; i++) {
    const l = lo[i];
    const h = hi[i];
    counts[l & 255]++;
    counts[256 + ((l >>> 8) & 255)]++;
    counts[512 + ((l >>> 16) & 255)]++;
    counts[768 + (l >>> 24)]++;
    counts[1024 + (h & 255)]++;
    counts[1280 + ((h >>> 8) & 255)]++;
    counts[1536 + ((h >>> 16) & 255)]++;
    counts[1792 + (h >>> 24)]++;
  }
  let idx = new Int32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  let tmp = new Int32Array(n);
  for (let pass = 0; pass < 8; pass++) {
    const base = pass * 256;
    const word = pass < 4 ? lo : hi;
    const shift = 8 * (pass & 3);
    if (n === 0 || counts[base + ((word[0] >>> shift) & 255)] === n) continue;
    let sum = 0;
    for (let b = 0; b < 256; b++) {
      const c = counts[base + b];
      counts[base + b] = sum;
      sum += c;
    }
    for (let k = 0; k < n; k++) {
      const i = idx[k];
      tmp[counts[base + ((word[i] >>> shift) & 255)]++] = i;
    }
    const t = idx;
    idx = tmp;
    tmp = t;
  }
  return idx;
}
