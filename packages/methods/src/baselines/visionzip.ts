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
import { topK } from '@d2pruner/scoring';
import { assignToTargets, mergeRows } from './visionzip-merge.js';
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
  try {
    assertFinite('clsAttention', c);
    checkFiniteMatrix('keys', keys);
  } catch (e) {
    checkFiniteMatrix('features', h);
    throw e;
  }
  if (budget >= n || budget === 0) {
    checkFiniteMatrix('features', h);
    const keep = budget >= n ? iota(n) : [];
    return selection('visionzip', n, budget, keep, { dominant: keep, merged: [] }, 'cpu', t0);
  }

  const k = Math.min(p.contextual ?? defaultContextual(budget), budget);
  const dominant = sortedIndices(topK(c, budget - k));
  if (k === 0) {
    checkFiniteMatrix('features', h);
    return selection('visionzip', n, budget, dominant, { dominant, merged: [] }, 'cpu', t0);
  }

  const isDominant = new Uint8Array(n);
  for (const i of dominant) isDominant[i] = 1;
  const rest: number[] = [];
  for (let i = 0; i < n; i++) if (!isDominant[i]) rest.push(i);
  const step = Math.max(1, Math.floor(rest.length / k));
  const targets = Array.from({ length: k }, (_, j) => rest[j * step]);
  const best = assignToTargets(keys, rest, targets);
  const members: number[][] = targets.map((g) => [g]);
  for (const g of targets) best[g] = -1;
  for (const i of rest) if (best[i] >= 0) members[best[i]].push(i);
  const rows = mergeRows(h, best, targets, members);
  const merged: MergedRow[] = targets.map((g, j) => ({ index: g, members: sortedIndices(members[j]), row: rows[j] }));
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
