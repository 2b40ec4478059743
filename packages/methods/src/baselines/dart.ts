import { resolveParams, type Matrix, type Method, type MethodParams, type ParamSpec, type Selection, type TokenInput } from '@d2pruner/core';
import { screenCosines } from '@d2pruner/kernels';
import { topK } from '@d2pruner/scoring';
import { checkBudget, checkFiniteMatrix, checkSameCols, ensure, failFinite, optionalMatrix, releasingStores, requireMatrix, selection, sortedIndices, trivialKeep } from './common.js';
import { cpythonSetOrder } from './cpython-set.js';
import { screenedBottomK } from './screened-bottomk.js';

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
  const m = t ? t.rows : 0;
  try {
    checkFiniteMatrix('keys', k);
    if (t && tk) {
      checkFiniteMatrix('textFeatures', t);
      checkFiniteMatrix('textKeys', tk);
    }
    ensure(p.pivotOrder !== 'cpython-set' || p.sequenceOffset !== undefined, 'sequenceOffset', "pivotOrder 'cpython-set' needs sequenceOffset");
    ensure(p.pivotImage > 0 || (p.pivotText > 0 && m > 0), 'pivotImage', 'DART needs at least one pivot: pivotImage = 0 and no text pivots');
  } catch (e) {
    // features is checked in the pass over it below, but its error comes first (§1.4 order)
    checkFiniteMatrix('features', h);
    throw e;
  }

  const early = trivialKeep(n, budget);
  if (early) {
    checkFiniteMatrix('features', h);
    return selection('dart', n, budget, early, { imagePivots: [], textPivots: [] }, 'cpu', t0);
  }

  const imagePivots = Array.from(topK(l1Norms(k), Math.min(p.pivotImage, budget)));
  const textPivots = t && tk ? Array.from(topK(l1Norms(tk), Math.min(p.pivotText, m))) : [];
  const rem = budget - imagePivots.length;
  if (rem === 0) {
    checkFiniteMatrix('features', h);
    return selection('dart', n, budget, sortedIndices(imagePivots), { imagePivots, textPivots }, 'cpu', t0);
  }

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
  const quotas = order.map((_, idx) => q + (idx < e ? 1 : 0));
  const vectors = order.map(([kind, pv]) => (kind === 'image' ? h : (t as Matrix)).data.subarray(pv * h.cols, (pv + 1) * h.cols));
  const used = order.map((_, idx) => idx).filter((idx) => quotas[idx] > 0);
  // one pass over the features: float32-screened cosines with every pivot, and the finite check
  const screen = screenCosines(h.data, n, h.cols, used.map((idx) => vectors[idx])) ?? failFinite('features', h);
  const inPool = new Uint8Array(n).fill(1);
  for (const i of imagePivots) inPool[i] = 0;
  const chosen: number[] = [];
  try {
    used.forEach((idx, v) => {
      for (const j of screenedBottomK(screen, v, inPool, quotas[idx])) {
        inPool[j] = 0;
        chosen.push(j);
      }
    });
  } finally {
    screen.release();
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
