import type { Matrix } from '@d2pruner/core';
import { cpuDppUpdate, rowNorms64 } from '../cpu/baseline-kernels.js';
import { cpuCosineMatrix } from '../cpu/reference.js';
import type { DppUpdateInput, EdgeBitsetInput, KernelInput, KernelName } from '../names.js';
import type { Tolerance } from './tolerance.js';
import { featureMatrix, randomIndices, randomInt, seededRng, type Rng } from './random.js';

/** One conformance input: a kernel, its input, and an optional stricter tolerance. */
export type ConformanceCase = {
  [K in KernelName]: {
    /** Stable identifier, e.g. `cosineMatrix/subset-dup`. */
    id: string;
    kernel: K;
    input: KernelInput<K>;
    /**
     * Overrides merged over the backend's tolerance. Used where the inputs are exactly
     * representable in f32, so every backend must match the reference exactly.
     */
    tolerance?: Partial<Tolerance>;
  };
}[KernelName];

/** Options of {@link conformanceCases}. */
export interface ConformanceCaseOptions {
  /** Seed of the generator (default 0xd2). The same seed gives the same inputs everywhere. */
  seed?: number;
  /** Restrict to these kernels (default: every kernel that has cases). */
  kernels?: readonly KernelName[];
}

type Gen<K extends KernelName> = (rng: Rng) => Array<{ id: string; input: KernelInput<K>; tolerance?: Partial<Tolerance> }>;

/** The spatial coordinates of `k` tokens on `frames` frames of h×w patches (row-major). */
function gridCoords(k: number, h: number, w: number): Pick<EdgeBitsetInput, 'frame' | 'row' | 'col'> {
  const frame = new Int32Array(k);
  const row = new Int32Array(k);
  const col = new Int32Array(k);
  for (let i = 0; i < k; i++) {
    frame[i] = Math.floor(i / (h * w));
    row[i] = Math.floor((i % (h * w)) / w);
    col[i] = i % w;
  }
  return { frame, row, col };
}

/**
 * The controlled run that exposed the NVIDIA Vulkan fault: every cosine 0.7, alpha 0.5, theta
 * 0.8, so a pair is an edge iff it is a spatial neighbour; on a 24×24 grid every pair has a
 * negative row difference one way, which the faulty integer path let through.
 */
function fixedCosines(k: number, value: number): Float32Array {
  const cos = new Float32Array(k * k).fill(value);
  for (let i = 0; i < k; i++) cos[i * k + i] = 1;
  return cos;
}

/** Rows drawn around a few prototypes: cosines spread over [−0.3, 1] so that every theta matters. */
function clusteredMatrix(rng: Rng, rows: number, cols: number, clusters: number, zeroRows: readonly number[] = []): Matrix {
  const protos = featureMatrix(rng, clusters, cols).data;
  const data = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    if (zeroRows.includes(i)) continue;
    const c = randomInt(rng, clusters);
    const noise = rng() * 1.5;
    for (let d = 0; d < cols; d++) data[i * cols + d] = protos[c * cols + d] + noise * (rng() - 0.5);
  }
  return { rows, cols, data };
}

function emptyMatrix(rows: number, cols: number): Matrix {
  return { rows, cols, data: new Float32Array(rows * cols) };
}

/**
 * Cosines built only from values exact in f32 (0, ±1, 0.25, 0.5, 0.75, and 1 + 2⁻²³, a rounding
 * overshoot that the rule clamps to 1), placed so that with alpha = theta = 0.5 many pairs score
 * exactly theta: the strict `>` must leave them out on every backend.
 */
function tieCosines(rng: Rng, k: number): Float32Array {
  const values = [1, 0, 0.25, 0.5, 0.75, -1, -0.25, 1 + 2 ** -23];
  const cos = new Float32Array(k * k);
  for (let i = 0; i < k; i++) {
    for (let j = i; j < k; j++) {
      const v = i === j ? 1 : values[randomInt(rng, values.length)];
      cos[i * k + j] = v;
      cos[j * k + i] = v;
    }
  }
  return cos;
}

/** A flat feature matrix with its f64 row norms, as the baseline kernels take it. */
function flatFeatures(rng: Rng, rows: number, cols: number, zeroRows: readonly number[] = []) {
  const { data } = featureMatrix(rng, rows, cols, { zeroRows });
  return { x: data, rows, cols, norms: rowNorms64(data, rows, cols) };
}

/**
 * A `dppUpdate` input after `steps` greedy steps (largest d2 first), so that `c` and `d2` are
 * consistent as in CDPruner's loop; the reference only builds the state, the expected values of
 * the case are computed later like any other.
 */
function dppState(rng: Rng, rows: number, cols: number, steps: number): DppUpdateInput {
  const f = flatFeatures(rng, rows, cols, [2]);
  const relevance = Float64Array.from({ length: rows }, () => 0.5 + rng());
  let d2 = Float64Array.from(relevance, (r, i) => (f.norms[i] > 0 ? r * r : 0));
  const c = new Float64Array(steps * rows);
  const pick = (v: Float64Array): number => v.reduce((best, x, i) => (x > v[best] ? i : best), 0);
  for (let t = 0; t < steps; t++) {
    const step = cpuDppUpdate({ ...f, relevance, j: pick(d2), c, t, d2 });
    c.set(step.subarray(0, rows), t * rows);
    d2 = step.slice(rows);
  }
  return { ...f, relevance, j: pick(d2), c, t: steps, d2 };
}

const GENERATORS: { [K in KernelName]?: Gen<K> } = {
  rowNorms: (rng) => [
    { id: 'rowNorms/70x131-zero-row', input: { x: featureMatrix(rng, 70, 131, { zeroRows: [3] }) } },
    { id: 'rowNorms/257x512', input: { x: featureMatrix(rng, 257, 512) } },
    { id: 'rowNorms/3x1500-wide', input: { x: featureMatrix(rng, 3, 1500, { scaleRows: false }) } },
    { id: 'rowNorms/1x1', input: { x: featureMatrix(rng, 1, 1) } },
    { id: 'rowNorms/3x0', input: { x: emptyMatrix(3, 0) } },
    { id: 'rowNorms/0x8', input: { x: emptyMatrix(0, 8) } },
  ],
  similarityRows: (rng) => {
    const x = featureMatrix(rng, 200, 96, { zeroRows: [7] });
    const wide = featureMatrix(rng, 150, 257);
    return [
      {
        id: 'similarityRows/5q-150c-dup-zero',
        input: { x, queries: Int32Array.from([7, 0, 199, 0, 42]), candidates: randomIndices(rng, 200, 150) },
      },
      { id: 'similarityRows/1q-all', input: { x, queries: Int32Array.of(11), candidates: randomIndices(rng, 200, 200) } },
      { id: 'similarityRows/70q-130c-d257', input: { x: wide, queries: randomIndices(rng, 150, 70), candidates: randomIndices(rng, 150, 130) } },
      { id: 'similarityRows/repeats', input: { x, queries: randomIndices(rng, 200, 9, true), candidates: randomIndices(rng, 200, 33, true) } },
      { id: 'similarityRows/d1100-wide', input: { x: featureMatrix(rng, 6, 1100), queries: Int32Array.of(0, 5), candidates: Int32Array.of(1, 2, 3, 4, 5) } },
      { id: 'similarityRows/no-queries', input: { x, queries: new Int32Array(0), candidates: randomIndices(rng, 200, 10) } },
      { id: 'similarityRows/d0', input: { x: emptyMatrix(4, 0), queries: Int32Array.of(0, 1), candidates: Int32Array.of(2, 3, 1) } },
    ];
  },
  cosineMatrix: (rng) => {
    const x = featureMatrix(rng, 70, 131, { zeroRows: [5] });
    return [
      { id: 'cosineMatrix/70x131-zero-row', input: { x } },
      { id: 'cosineMatrix/subset-dup', input: { x, subset: Int32Array.from([5, 1, 69, 1, ...randomIndices(rng, 70, 41)]) } },
      { id: 'cosineMatrix/150x64', input: { x: featureMatrix(rng, 150, 64) } },
      { id: 'cosineMatrix/1x5', input: { x: featureMatrix(rng, 1, 5) } },
      { id: 'cosineMatrix/empty-subset', input: { x, subset: new Int32Array(0) } },
      { id: 'cosineMatrix/3x0', input: { x: emptyMatrix(3, 0) } },
    ];
  },
  edgeBitset: (rng) => {
    const k = 70;
    const cos = cpuCosineMatrix({ x: featureMatrix(rng, k, 48) });
    const coords = gridCoords(k, 6, 6);
    const base = { cos, k, ...coords };
    const tieK = 40;
    return [
      { id: 'edgeBitset/k70-mixed', input: { ...base, alpha: 0.6, theta: 0.45, radius: 1 } },
      { id: 'edgeBitset/k70-semantic-only', input: { ...base, alpha: 1, theta: 0.3, radius: 1 } },
      { id: 'edgeBitset/k70-spatial-only', input: { ...base, alpha: 0, theta: 0.5, radius: 2 } },
      {
        id: 'edgeBitset/k40-exact-ties',
        input: { cos: tieCosines(rng, tieK), k: tieK, ...gridCoords(tieK, 4, 5), alpha: 0.5, theta: 0.5, radius: 1 },
        tolerance: { edgeMargin: 0 },
      },
      { id: 'edgeBitset/k32', input: { cos: cpuCosineMatrix({ x: featureMatrix(rng, 32, 16) }), k: 32, ...gridCoords(32, 4, 4), alpha: 0.7, theta: 0.4, radius: 1 } },
      { id: 'edgeBitset/k1', input: { cos: Float32Array.of(1), k: 1, ...gridCoords(1, 1, 1), alpha: 0.5, theta: 0, radius: 1 } },
      { id: 'edgeBitset/k0', input: { cos: new Float32Array(0), k: 0, ...gridCoords(0, 1, 1), alpha: 0.5, theta: 0.5, radius: 1 } },
      ...[0, 1, 2].map((radius) => ({
        id: `edgeBitset/k576-fixed-cos-r${radius}`,
        input: { cos: fixedCosines(576, 0.7), k: 576, ...gridCoords(576, 24, 24), alpha: 0.5, theta: 0.8, radius },
        tolerance: { edgeMargin: 0 },
      })),
    ];
  },
  edgeBlock: (rng) => {
    const x = clusteredMatrix(rng, 200, 131, 5, [17]);
    const wide = clusteredMatrix(rng, 150, 1100, 4);
    const all = (n: number) => Int32Array.from({ length: n }, (_, i) => i);
    const dup = Int32Array.from([3, 4, 3, ...randomIndices(rng, 200, 60)]);
    return [
      { id: 'edgeBlock/k200-alpha1', input: { x, subset: all(200), alpha: 1, theta: 0.8 } },
      { id: 'edgeBlock/k130-mixed-zero-row', input: { x, subset: randomIndices(rng, 200, 130), alpha: 0.7, theta: 0.45 } },
      { id: 'edgeBlock/k63-duplicates', input: { x, subset: dup, alpha: 0.9, theta: 0.9 } },
      { id: 'edgeBlock/k150-d1100', input: { x: wide, subset: all(150), alpha: 1, theta: 0.6 } },
      { id: 'edgeBlock/negative-theta', input: { x, subset: all(40), alpha: 0.5, theta: -0.1 } },
      { id: 'edgeBlock/alpha-below-theta', input: { x, subset: all(40), alpha: 0.5, theta: 0.8 } },
      { id: 'edgeBlock/k1', input: { x, subset: Int32Array.of(5), alpha: 1, theta: 0.5 } },
      { id: 'edgeBlock/k0', input: { x, subset: new Int32Array(0), alpha: 1, theta: 0.5 } },
      { id: 'edgeBlock/d0', input: { x: emptyMatrix(4, 0), subset: all(4), alpha: 1, theta: 0.5 } },
    ];
  },
  headMean: (rng) => [
    { id: 'headMean/32x577', input: { x: featureMatrix(rng, 32, 577, { scaleRows: false }) } },
    { id: 'headMean/7x1', input: { x: featureMatrix(rng, 7, 1) } },
    { id: 'headMean/1030x3-many-heads', input: { x: featureMatrix(rng, 1030, 3) } },
    { id: 'headMean/1x10', input: { x: featureMatrix(rng, 1, 10) } },
    { id: 'headMean/0x5', input: { x: emptyMatrix(0, 5) } },
  ],
  maxSimilarity: (rng) => {
    const f = flatFeatures(rng, 150, 96, [4]);
    return [
      { id: 'maxSimilarity/20q-150c-self-zero', input: { ...f, queries: Int32Array.from([4, ...randomIndices(rng, 150, 19)]), candidates: randomIndices(rng, 150, 150) } },
      { id: 'maxSimilarity/70q-67c-d257', input: { ...flatFeatures(rng, 90, 257), queries: randomIndices(rng, 90, 70), candidates: randomIndices(rng, 90, 67) } },
      { id: 'maxSimilarity/1100-candidates', input: { ...flatFeatures(rng, 1100, 3), queries: Int32Array.of(0, 1099), candidates: randomIndices(rng, 1100, 1100) } },
      { id: 'maxSimilarity/only-self', input: { ...f, queries: Int32Array.of(9, 10), candidates: Int32Array.of(9, 9) } },
      { id: 'maxSimilarity/no-candidates', input: { ...f, queries: Int32Array.of(1, 2, 3), candidates: new Int32Array(0) } },
      { id: 'maxSimilarity/no-queries', input: { ...f, queries: new Int32Array(0), candidates: Int32Array.of(1, 2) } },
    ];
  },
  maxMinUpdate: (rng) => {
    const f = flatFeatures(rng, 130, 200, [6]);
    const minDist = Float64Array.from({ length: f.rows }, (_, i) => (i % 3 === 0 ? Infinity : rng() * 1.5));
    return [
      { id: 'maxMinUpdate/130x200', input: { ...f, j: 17, minDist } },
      { id: 'maxMinUpdate/zero-row-j', input: { ...f, j: 6, minDist } },
      { id: 'maxMinUpdate/d1200-wide', input: { ...flatFeatures(rng, 5, 1200), j: 2, minDist: Float64Array.of(1, 0.5, 2, Infinity, 0.01) } },
      { id: 'maxMinUpdate/1x3', input: { ...flatFeatures(rng, 1, 3), j: 0, minDist: Float64Array.of(Infinity) } },
    ];
  },
  dppUpdate: (rng) => [
    { id: 'dppUpdate/t0', input: dppState(rng, 90, 64, 0) },
    { id: 'dppUpdate/t3', input: dppState(rng, 120, 150, 3) },
    { id: 'dppUpdate/t6-zero-row', input: dppState(rng, 70, 33, 6) },
  ],
};

/** Kernels the conformance suite has cases for. */
export function conformanceKernels(): KernelName[] {
  return (Object.keys(GENERATORS) as KernelName[]).filter((k) => GENERATORS[k] !== undefined);
}

/**
 * The conformance inputs: for every kernel, deterministic random inputs covering tile edges
 * (sizes that are not multiples of 16/32/64), zero rows, duplicate indices, empty outputs,
 * zero-width features, loops longer than 1000 iterations (gpu.js' default loop cap) and, for
 * the edge rule, exact ties. Each kernel draws from its own
 * generator seeded from `seed` and the kernel name, so adding a kernel leaves the others' inputs
 * unchanged.
 */
export function conformanceCases(options: ConformanceCaseOptions = {}): ConformanceCase[] {
  const seed = options.seed ?? 0xd2;
  const kernels = options.kernels ?? conformanceKernels();
  const out: ConformanceCase[] = [];
  for (const kernel of kernels) {
    const gen = GENERATORS[kernel] as Gen<typeof kernel> | undefined;
    if (!gen) continue;
    let h = seed >>> 0;
    for (let i = 0; i < kernel.length; i++) h = Math.imul(h ^ kernel.charCodeAt(i), 0x01000193) >>> 0;
    for (const c of gen(seededRng(h))) out.push({ ...c, kernel } as ConformanceCase);
  }
  return out;
}
