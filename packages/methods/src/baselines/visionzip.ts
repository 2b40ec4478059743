import {
  assertFinite,
  resolveParams,
  type MergedRow,
  type Method,
  type MethodParams,
  type ParamSpec,
  type Selection,
  type TokenInput,
} from '@d2pruner/core';
import { cosineFromDot, rangeDots, rowNorms64 } from '@d2pruner/kernels';
import { topK } from '@d2pruner/scoring';
import { checkBudget, checkFiniteMatrix, iota, releasingStores, requireMatrix, requireVector, selection, sortedIndices } from './common.js';

/** VisionZip parameters (docs/baselines.md §6, §10.3). */
export interface VisionZipParams {
  /** Contextual (merged) tokens k ≥ 0; default ⌊(5n + 16)/32⌋. */
  contextual?: number;
}

/** Parameter specs of VisionZip with the defaults of docs/baselines.md §10.3. */
export const VISIONZIP_PARAM_SPECS: readonly ParamSpec[] = [
  {
    name: 'contextual',
    type: 'integer',
    min: 0,
    defaultNote: '⌊(5n + 16)/32⌋ (= n·10/64 rounded half up: 64 → 10, 128 → 20)',
    description: 'contextual tokens made by merging the non-dominant tokens',
  },
];

/** The default number of contextual tokens for a budget n: ⌊(5n + 16)/32⌋. */
export function defaultContextual(n: number): number {
  return Math.floor((5 * n + 16) / 32);
}

/**
 * VisionZip (docs/baselines.md §6, `dvlab-research/VisionZip`): n − k dominant tokens by CLS
 * attention; the rest are merged into k contextual tokens: k evenly spaced targets among the
 * remaining tokens (ascending), every other remaining token joins the target with the most
 * similar key (cosine of keys), and a target's row becomes its own row plus the mean of its
 * members' rows. Returns `dominant` (sorted) and `merged` ({index, members, row} per target,
 * ascending). In the pruned sequence the row of a target index is its merged row.
 *
 * Deviations: **[DEV-VisionZip-cls]** there is no CLS row: n counts patch-derived rows only;
 * official (dominant = d, contextual = k) ≡ ours (n = d − 1 + k, contextual = k) plus a CLS row
 * the caller may prepend; **[DEV-zero]** cosine with a zero key is 0; **[DEV-ties]**.
 */
export function visionzip(input: TokenInput, budget: number, raw: MethodParams = {}): Selection {
  const t0 = performance.now();
  checkBudget(budget);
  const p = resolveParams<VisionZipParams>('visionzip', VISIONZIP_PARAM_SPECS, raw);
  const h = requireMatrix(input, 'features', 'visionzip');
  const n = h.rows;
  const c = requireVector(input, 'clsAttention', 'visionzip', n);
  const keys = requireMatrix(input, 'keys', 'visionzip', n);
  checkFiniteMatrix('features', h);
  assertFinite('clsAttention', c);
  checkFiniteMatrix('keys', keys);
  if (budget >= n) return selection('visionzip', n, budget, iota(n), { dominant: iota(n), merged: [] }, 'cpu', t0);
  if (budget === 0) return selection('visionzip', n, budget, [], { dominant: [], merged: [] }, 'cpu', t0);

  const k = Math.min(p.contextual ?? defaultContextual(budget), budget);
  const dominant = sortedIndices(topK(c, budget - k));
  if (k === 0) return selection('visionzip', n, budget, dominant, { dominant, merged: [] }, 'cpu', t0);

  const isDominant = new Uint8Array(n);
  for (const i of dominant) isDominant[i] = 1;
  const rest: number[] = [];
  for (let i = 0; i < n; i++) if (!isDominant[i]) rest.push(i);
  const step = Math.max(1, Math.floor(rest.length / k));
  const targets = Array.from({ length: k }, (_, j) => rest[j * step]);
  const isTarget = new Uint8Array(n);
  for (const g of targets) isTarget[g] = 1;

  const kn = rowNorms64(keys.data, n, keys.cols);
  // one range scan of all keys per target, targets ascending: "v > best" keeps the lowest j on ties
  const best = new Int32Array(n);
  const bestCos = new Float64Array(n).fill(-Infinity);
  const dots = new Float64Array(n);
  for (let j = 0; j < k; j++) {
    const g = targets[j];
    rangeDots(keys.data, keys.cols, g, 0, n, dots);
    for (const i of rest) {
      const v = cosineFromDot(dots[i], kn[g], kn[i]);
      if (v > bestCos[i]) {
        bestCos[i] = v;
        best[i] = j;
      }
    }
  }
  const members: number[][] = targets.map((g) => [g]);
  const sums = targets.map((g) => Float64Array.from(h.data.subarray(g * h.cols, (g + 1) * h.cols)));
  const means = targets.map(() => new Float64Array(h.cols));
  for (const i of rest) {
    if (isTarget[i]) continue;
    members[best[i]].push(i);
    const m = means[best[i]];
    for (let d = 0, o = i * h.cols; d < h.cols; d++) m[d] += h.data[o + d];
  }
  const merged: MergedRow[] = targets.map((g, j) => {
    const count = members[j].length - 1;
    const row = Array.from(sums[j], (v, d) => (count > 0 ? v + means[j][d] / count : v));
    return { index: g, members: sortedIndices(members[j]), row };
  });
  const keep = sortedIndices([...dominant, ...targets]);
  return selection('visionzip', n, budget, keep, { dominant, merged }, 'cpu', t0);
}

/** VisionZip behind the {@link Method} interface. */
export const visionzipMethod: Method = {
  name: 'visionzip',
  description: 'VisionZip: dominant tokens by CLS attention + contextual merging by key similarity (docs/baselines.md §6)',
  requires: ['features', 'clsAttention', 'keys'],
  optional: [],
  needsLayout: false,
  params: VISIONZIP_PARAM_SPECS,
  select: (input, budget, params) => releasingStores(input, () => visionzip(input, budget, params)),
};
