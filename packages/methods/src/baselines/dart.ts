import { resolveParams, type Matrix, type Method, type MethodParams, type ParamSpec, type Selection, type TokenInput } from '@d2pruner/core';
import { rangeDots, rowNorms64, vectorDots } from '@d2pruner/kernels';
import { topK } from '@d2pruner/scoring';
import { checkBudget, checkFiniteMatrix, checkSameCols, ensure, optionalMatrix, releasingStores, requireMatrix, selection, sortedIndices, trivialKeep } from './common.js';
import { cpythonSetOrder } from './cpython-set.js';

/** DART parameters (docs/baselines.md §3, §10.3). */
export interface DartParams {
  /** Image pivots P_I, integer ≥ 0. Default 4. */
  pivotImage: number;
  /** Text pivots P_T, integer ≥ 0. Default 4. */
  pivotText: number;
  /** Use the text tensors; false ⇒ M = 0. Default true. */
  text: boolean;
  /** Pivot order: `spec` (image then text, by key norm) or `cpython-set` (official). */
  pivotOrder: 'spec' | 'cpython-set';
  /** Sequence position of visual token 0; required by `cpython-set`. */
  sequenceOffset?: number;
}

/** Parameter specs of DART with the defaults of docs/baselines.md §10.3. */
export const DART_PARAM_SPECS: readonly ParamSpec[] = [
  { name: 'pivotImage', type: 'integer', default: 4, min: 0, description: 'image pivots P_I (top key L1 norms)' },
  { name: 'pivotText', type: 'integer', default: 4, min: 0, description: 'text pivots P_T (top text-key L1 norms)' },
  { name: 'text', type: 'boolean', default: true, description: 'use textFeatures / textKeys (false: image pivots only)' },
  {
    name: 'pivotOrder',
    type: 'string',
    default: 'spec',
    enum: ['spec', 'cpython-set'],
    description: 'order in which pivots take their quotas: spec (image then text) or the official CPython set order',
  },
  {
    name: 'sequenceOffset',
    type: 'integer',
    min: 0,
    defaultNote: 'none; required by pivotOrder cpython-set (35 for LLaVA-1.5)',
    description: 'sequence position of visual token 0 (image_token_start_index)',
  },
];

/** One pivot of the sequence Π. */
export type DartPivot = ['image' | 'text', number];

/** L1 norm of every row (double). */
function l1Norms(m: Matrix): Float64Array {
  const out = new Float64Array(m.rows);
  for (let i = 0; i < m.rows; i++) {
    let s = 0;
    for (let k = i * m.cols, end = k + m.cols; k < end; k++) s += Math.abs(m.data[k]);
    out[i] = s;
  }
  return out;
}

/**
 * The `quota` pool tokens with the smallest scores, ties → lower index (`bottom-k`, docs/baselines.md
 * §1.2): one native sort of the pool's scores finds the k-th value, then one pass in index order.
 */
function bottomKInPool(score: Float64Array, inPool: Uint8Array, quota: number): number[] {
  const values: number[] = [];
  for (let j = 0; j < score.length; j++) if (inPool[j]) values.push(score[j]);
  const kth = Float64Array.from(values).sort()[quota - 1];
  let below = 0;
  for (const v of values) if (v < kth) below++;
  let ties = quota - below;
  const out: number[] = [];
  for (let j = 0; j < score.length && out.length < quota; j++) {
    if (!inPool[j]) continue;
    if (score[j] < kth) out.push(j);
    else if (score[j] === kth && ties > 0) {
      out.push(j);
      ties--;
    }
  }
  return out;
}

/**
 * DART (docs/baselines.md §3, `ZichenWen1/DART`): image pivots = top key-L1-norm tokens, text pivots
 * = top text-key-norm tokens; each pivot in turn takes its quota of the pool tokens least similar
 * to it (cosine of features), the rest of the budget split evenly.
 *
 * Deviations: **[DEV-DART-order]** by default the pivots take their quotas image pivots first,
 * then text pivots, each by descending key norm (`pivotOrder: 'cpython-set'` with
 * `sequenceOffset` reproduces the official Python-set order); **[DEV-DART-budget]** exactly n
 * tokens, the remainder of rem / P going one each to the first pivots (pass n = P_I + P·⌊B/P⌋
 * to reproduce the official "B" setting); **[DEV-zero]** cosine with a zero vector is 0;
 * **[DEV-ties]** ties → lower index. P = 0 pivots (P_I = 0 and no text pivot) is an error.
 */
export function dart(input: TokenInput, budget: number, raw: MethodParams = {}): Selection {
  const t0 = performance.now();
  checkBudget(budget);
  const p = resolveParams<DartParams>('dart', DART_PARAM_SPECS, raw);
  const h = requireMatrix(input, 'features', 'dart');
  const n = h.rows;
  const k = requireMatrix(input, 'keys', 'dart', n);
  let t: Matrix | undefined;
  let tk: Matrix | undefined;
  if (p.text) {
    t = optionalMatrix(input, 'textFeatures');
    tk = optionalMatrix(input, 'textKeys');
    if (t && !tk) requireMatrix(input, 'textKeys', 'dart with textFeatures');
    if (tk && !t) requireMatrix(input, 'textFeatures', 'dart with textKeys');
    if (t && tk) {
      checkSameCols('textFeatures', t, h.cols, 'features');
      checkSameCols('textKeys', tk, k.cols, 'keys');
      ensure(tk.rows === t.rows, 'textKeys', `textKeys has ${tk.rows} rows but textFeatures has ${t.rows}`);
    }
  }
  checkFiniteMatrix('features', h);
  checkFiniteMatrix('keys', k);
  if (t && tk) {
    checkFiniteMatrix('textFeatures', t);
    checkFiniteMatrix('textKeys', tk);
  }
  const m = t ? t.rows : 0;
  ensure(p.pivotOrder !== 'cpython-set' || p.sequenceOffset !== undefined, 'sequenceOffset', "pivotOrder 'cpython-set' needs sequenceOffset");
  ensure(p.pivotImage > 0 || (p.pivotText > 0 && m > 0), 'pivotImage', 'DART needs at least one pivot: pivotImage = 0 and no text pivots');

  const early = trivialKeep(n, budget);
  if (early) return selection('dart', n, budget, early, { imagePivots: [], textPivots: [] }, 'cpu', t0);

  const imagePivots = Array.from(topK(l1Norms(k), Math.min(p.pivotImage, budget)));
  const textPivots = t && tk ? Array.from(topK(l1Norms(tk), Math.min(p.pivotText, m))) : [];
  const rem = budget - imagePivots.length;
  if (rem === 0) return selection('dart', n, budget, sortedIndices(imagePivots), { imagePivots, textPivots }, 'cpu', t0);

  let order: DartPivot[] = [...imagePivots.map((i): DartPivot => ['image', i]), ...textPivots.map((j): DartPivot => ['text', j])];
  if (p.pivotOrder === 'cpython-set') {
    const o = p.sequenceOffset as number;
    const byPosition = new Map<number, DartPivot>();
    for (const pv of order) byPosition.set(pv[0] === 'image' ? o + pv[1] : o + n + pv[1], pv);
    order = cpythonSetOrder([...byPosition.keys()]).map((v) => byPosition.get(v) as DartPivot);
  }

  const pivotCount = order.length;
  const q = Math.floor(rem / pivotCount);
  const e = rem % pivotCount;
  const hn = rowNorms64(h.data, n, h.cols);
  const tn = t ? rowNorms64(t.data, t.rows, t.cols) : new Float64Array(0);
  const inPool = new Uint8Array(n).fill(1);
  for (const i of imagePivots) inPool[i] = 0;
  const chosen: number[] = [];
  const score = new Float64Array(n);
  for (let idx = 0; idx < pivotCount; idx++) {
    const quota = q + (idx < e ? 1 : 0);
    if (quota === 0) continue;
    const [kind, pv] = order[idx];
    const srcNorm = kind === 'image' ? hn[pv] : tn[pv];
    if (kind === 'image') rangeDots(h.data, h.cols, pv, 0, n, score);
    else vectorDots(h.data, h.cols, (t as Matrix).data.subarray(pv * h.cols, (pv + 1) * h.cols), 0, n, score);
    for (let j = 0; j < n; j++) score[j] = srcNorm > 0 && hn[j] > 0 ? score[j] / (srcNorm * hn[j]) : 0;
    for (const j of bottomKInPool(score, inPool, quota)) {
      inPool[j] = 0;
      chosen.push(j);
    }
  }
  const keep = sortedIndices([...imagePivots, ...chosen]);
  return selection('dart', n, budget, keep, { imagePivots, textPivots, pivotOrder: order }, 'cpu', t0);
}

/** DART behind the {@link Method} interface. */
export const dartMethod: Method = {
  name: 'dart',
  description: 'DART: key-norm pivots, each keeps the tokens least similar to it (docs/baselines.md §3)',
  requires: ['features', 'keys'],
  optional: ['textFeatures', 'textKeys'],
  needsLayout: false,
  params: DART_PARAM_SPECS,
  select: (input, budget, params) => releasingStores(input, () => dart(input, budget, params)),
};
