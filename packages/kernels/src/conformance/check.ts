import type { KernelBackend } from '../backend.js';
import { runCpuKernel } from '../cpu/backend.js';
import { edgeRule, spatialAdjacent } from '../cpu/reference.js';
import type { EdgeBlockInput, EdgeBlockOutput } from '../edge-block.js';
import type { EdgeBitsetInput, KernelInput, KernelName, KernelOutput } from '../names.js';
import { conformanceCases, type ConformanceCaseOptions } from './cases.js';
import { resolveTolerance, type Tolerance, type ToleranceMap } from './tolerance.js';

/** The outcome of one kernel call compared with the CPU reference. */
export interface ConformanceReport {
  /** Case id when run from the suite, else the kernel name. */
  id: string;
  kernel: KernelName;
  backend: string;
  ok: boolean;
  /** Output elements compared. */
  elements: number;
  /** Elements outside the tolerance. */
  mismatches: number;
  /** Differing edge bits accepted because the pair's score lies within `edgeMargin` of theta. */
  tolerated: number;
  maxAbsError: number;
  /** Wall time of the backend call, milliseconds. */
  ms: number;
  /** One line: what passed, or the first mismatches / the error. */
  message: string;
}

/** Anything that runs kernels by name: a {@link KernelBackend}, or a wrapper around one. */
export type KernelRunner = Pick<KernelBackend, 'name' | 'run'>;

/** One comparison's element counts and worst error, with a readable line per mismatch. */
export type Comparison = Pick<ConformanceReport, 'elements' | 'mismatches' | 'tolerated' | 'maxAbsError'> & { details: string[] };

function typeName(v: unknown): string {
  return v === null || v === undefined ? String(v) : ((v as object).constructor?.name ?? typeof v);
}

function compareFloats(expected: Float32Array | Float64Array, actual: Float32Array | Float64Array, tol: Tolerance): Comparison {
  const r: Comparison = { elements: expected.length, mismatches: 0, tolerated: 0, maxAbsError: 0, details: [] };
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i];
    const a = actual[i];
    const err = Math.abs(a - e);
    if (Object.is(a, e)) continue;
    if (!(err <= tol.abs + tol.rel * Math.abs(e))) {
      r.mismatches++;
      if (r.details.length < 3) r.details.push(`[${i}] expected ${e}, got ${a}`);
    }
    if (!(err <= r.maxAbsError)) r.maxAbsError = Number.isNaN(err) ? Infinity : err;
  }
  return r;
}

function compareEdges(input: EdgeBitsetInput, expected: Uint32Array, actual: Uint32Array, tol: Tolerance): Comparison {
  const { cos, k, frame, row, col, alpha, theta, radius } = input;
  const words = Math.ceil(k / 32);
  const r: Comparison = { elements: k * k, mismatches: 0, tolerated: 0, maxAbsError: 0, details: [] };
  for (let i = 0; i < k; i++) {
    for (let w = 0; w < words; w++) {
      const diff = (expected[i * words + w] ^ actual[i * words + w]) >>> 0;
      if (diff === 0) continue;
      for (let b = 0; b < 32; b++) {
        if (((diff >>> b) & 1) === 0) continue;
        const j = w * 32 + b;
        const spat = j < k ? spatialAdjacent(frame, row, col, i, j, radius) : 0;
        const score = j < k ? alpha * Math.min(Math.max(cos[i * k + j], 0), 1) + (1 - alpha) * spat : NaN;
        const margin = Math.abs(score - theta);
        if (j < k && j !== i && margin < tol.edgeMargin) {
          r.tolerated++;
          continue;
        }
        r.mismatches++;
        if (r.details.length < 3) {
          const want = j < k && j !== i && edgeRule(cos[i * k + j], spat, alpha, theta);
          r.details.push(`edge (${i},${j}): expected ${want ? 1 : 0}, got ${want ? 0 : 1} (score − theta = ${score - theta})`);
        }
      }
    }
  }
  return r;
}

function compareExact(expected: ArrayLike<number>, actual: ArrayLike<number>): Comparison {
  const r: Comparison = { elements: expected.length, mismatches: 0, tolerated: 0, maxAbsError: 0, details: [] };
  for (let i = 0; i < expected.length; i++) {
    if (expected[i] === actual[i]) continue;
    r.mismatches++;
    r.maxAbsError = Math.max(r.maxAbsError, Math.abs(expected[i] - actual[i]));
    if (r.details.length < 3) r.details.push(`[${i}] expected ${expected[i]}, got ${actual[i]}`);
  }
  return r;
}

/**
 * Compares a backend's output with the reference output for the same input. Shape and element
 * type must match exactly; values follow {@link Tolerance}.
 */
export function compareOutputs<K extends KernelName>(
  kernel: K,
  input: KernelInput<K>,
  expected: KernelOutput<K>,
  actual: unknown,
  tolerance: Tolerance,
): Comparison {
  if (kernel === 'edgeBitset' && expected instanceof Uint32Array && actual instanceof Uint32Array && actual.length === expected.length) {
    return compareEdges(input as EdgeBitsetInput, expected, actual, tolerance);
  }
  if (kernel === 'edgeBlock') return compareEdgeBlock(input as EdgeBlockInput, expected as EdgeBlockOutput, actual);
  return compareValues(expected, actual, tolerance, '');
}

/**
 * `edgeBlock`: every pair i < j the backend decided must equal the reference's exact decision;
 * pairs it reports uncertain (valid, distinct pairs i < j) are tolerated, since the caller
 * decides them exactly. Lower-triangle bits are undefined and ignored.
 */
function compareEdgeBlock(input: EdgeBlockInput, expected: EdgeBlockOutput, actual: unknown): Comparison {
  const k = input.subset.length;
  const words = Math.ceil(k / 32);
  const a = actual as Partial<EdgeBlockOutput> | null;
  const elements = (k * (k - 1)) / 2;
  const fail = (msg: string): Comparison => ({ elements, mismatches: Math.max(1, elements), tolerated: 0, maxAbsError: Infinity, details: [msg] });
  if (!a || !(a.bits instanceof Uint32Array) || !(a.uncertain instanceof Int32Array)) return fail('expected { bits: Uint32Array, uncertain: Int32Array }');
  if (a.bits.length !== k * words) return fail(`bits: expected ${k * words} words, got ${a.bits.length}`);
  const seen = new Set<number>();
  for (let p = 0; p + 1 < a.uncertain.length; p += 2) {
    const i = a.uncertain[p];
    const j = a.uncertain[p + 1];
    if (!(i >= 0 && i < j && j < k) || seen.has(i * k + j)) return fail(`uncertain pair (${i}, ${j}) is not a distinct pair i < j < ${k}`);
    seen.add(i * k + j);
  }
  const bit = (b: Uint32Array, i: number, j: number) => (b[i * words + (j >>> 5)] >>> (j & 31)) & 1;
  const details: string[] = [];
  let mismatches = 0;
  for (let i = 0; i < k; i++) {
    for (let j = i + 1; j < k; j++) {
      if (seen.has(i * k + j) || bit(a.bits, i, j) === bit(expected.bits, i, j)) continue;
      mismatches++;
      if (details.length < 3) details.push(`pair (${i}, ${j}): got ${bit(a.bits, i, j)}, expected ${bit(expected.bits, i, j)}`);
    }
  }
  return { elements, mismatches, tolerated: seen.size, maxAbsError: mismatches ? 1 : 0, details };
}

type Output = ArrayLike<number> | { [field: string]: Output };

function isTypedArray(v: unknown): v is Float32Array | Float64Array | Int32Array | Uint32Array {
  return ArrayBuffer.isView(v) && !(v instanceof DataView);
}

/** Typed arrays by element type; objects (e.g. `dppUpdate`'s `{e, d2}`) field by field. */
function compareValues(expected: unknown, actual: unknown, tol: Tolerance, path: string): Comparison {
  const fail = (n: number, msg: string): Comparison => ({ elements: n, mismatches: n || 1, tolerated: 0, maxAbsError: Infinity, details: [`${path ? `${path}: ` : ''}${msg}`] });
  if (typeName(actual) !== typeName(expected)) return fail(1, `expected a ${typeName(expected)}, got ${typeName(actual)}`);
  if (isTypedArray(expected)) {
    const out = actual as typeof expected;
    if (out.length !== expected.length) return fail(expected.length, `expected ${expected.length} elements, got ${out.length}`);
    if (expected instanceof Float32Array || expected instanceof Float64Array) return prefix(compareFloats(expected, out as Float32Array, tol), path);
    return prefix(compareExact(expected, out), path);
  }
  const total: Comparison = { elements: 0, mismatches: 0, tolerated: 0, maxAbsError: 0, details: [] };
  for (const [field, value] of Object.entries(expected as { [field: string]: Output })) {
    const c = compareValues(value, (actual as { [field: string]: Output })[field], tol, `${path}${field}`);
    total.elements += c.elements;
    total.mismatches += c.mismatches;
    total.tolerated += c.tolerated;
    total.maxAbsError = Math.max(total.maxAbsError, c.maxAbsError);
    total.details.push(...c.details.slice(0, 3 - Math.min(3, total.details.length)));
  }
  return total;
}

function prefix(c: Comparison, path: string): Comparison {
  return path ? { ...c, details: c.details.map((d) => `${path}${d}`) } : c;
}

function countElements(v: unknown): number {
  if (isTypedArray(v)) return v.length;
  if (v && typeof v === 'object' && 'uncertain' in v) return countElements((v as EdgeBlockOutput).bits);
  return Object.values(v as object).reduce((n: number, f: unknown) => n + countElements(f), 0);
}

/**
 * Runs `kernel` on `backend` and compares the result with the CPU reference. Never throws: an
 * error of the backend becomes a failed report whose message names it.
 */
export async function checkKernel<K extends KernelName>(
  backend: KernelRunner,
  kernel: K,
  input: KernelInput<K>,
  tolerance: Tolerance,
  id: string = kernel,
): Promise<ConformanceReport> {
  const expected = runCpuKernel(kernel, input);
  const elements = countElements(expected);
  const t0 = performance.now();
  let actual: unknown;
  try {
    actual = await backend.run(kernel, input);
  } catch (e) {
    const ms = performance.now() - t0;
    const msg = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    return { id, kernel, backend: backend.name, ok: false, elements, mismatches: elements, tolerated: 0, maxAbsError: Infinity, ms, message: `${id} on ${backend.name} threw ${msg}` };
  }
  const ms = performance.now() - t0;
  const c = compareOutputs(kernel, input, expected, actual, tolerance);
  const ok = c.mismatches === 0;
  const summary = `${id} on ${backend.name}: ${c.elements} elements, max |Δ| ${c.maxAbsError.toExponential(2)}, ${c.tolerated} tolerated`;
  const message = ok ? `${summary}, ok` : `${summary}, ${c.mismatches} MISMATCHES: ${c.details.join('; ')}`;
  return { id, kernel, backend: backend.name, ok, elements: c.elements, mismatches: c.mismatches, tolerated: c.tolerated, maxAbsError: c.maxAbsError, ms, message };
}

/** Options of {@link runConformance}. */
export interface RunConformanceOptions extends ConformanceCaseOptions {
  /** Called after each case (progress logs). */
  onReport?: (report: ConformanceReport) => void;
}

/**
 * Runs every conformance case on `backend` (sequentially) with its tolerances and returns one
 * report per case. Framework-agnostic: tests assert on the reports, a browser page returns them.
 */
export async function runConformance(
  backend: KernelRunner & Partial<Pick<KernelBackend, 'supports'>>,
  tolerances: ToleranceMap | Tolerance,
  options: RunConformanceOptions = {},
): Promise<ConformanceReport[]> {
  const reports: ConformanceReport[] = [];
  for (const c of conformanceCases(options)) {
    if (backend.supports && !backend.supports(c.kernel)) continue;
    const tol = resolveTolerance(tolerances, c.kernel, c.tolerance);
    const report = await checkKernel(backend, c.kernel, c.input as KernelInput<typeof c.kernel>, tol, c.id);
    options.onReport?.(report);
    reports.push(report);
  }
  return reports;
}
