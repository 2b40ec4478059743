import type { Layout, Matrix } from '@d2pruner/core';
import { kernelRegistry, resolveEdgeBlock, semanticEdge, type BackendRequest, type KernelRegistry } from '@d2pruner/kernels';
import { isEdge, shapeOf, type EdgeRule } from './edge-rule.js';
import { LazyCosine } from './similarity.js';
import { SpatialIndex } from './spatial.js';
import type { TakenSet } from './taken.js';

/** What the CPU did to certify a dense graph (for timings and tests). */
export interface DenseGraphStats {
  /** Pairs the kernel could not decide within its error bound, decided exactly on the CPU. */
  uncertain: number;
  /** Spatial-neighbour pairs decided exactly on the CPU (alpha < 1). */
  spatial: number;
  /** Exact dot products the CPU computed. */
  dots: number;
}

/**
 * The hybrid graph in dense form: an upper-triangular k×k adjacency bitset over the candidates.
 * Index for index the lazy graph's edges: the `edgeBlock` kernel decides the semantic rule of
 * every pair, certified against a proven error bound (the pairs it cannot decide are recomputed
 * exactly on the CPU), and the spatial term, an integer test on ~(2r+1)² neighbours per token, is
 * decided on the CPU with exact cosines.
 */
export class DenseGraph {
  private readonly words: number;

  /**
   * @param position token index → row of the bitset (−1 for tokens outside the graph)
   * @param bits k×k bitset, `ceil(k/32)` words per row; bit (i, j) for i < j only
   * @param k number of vertices
   * @param backend which kernel backend built it
   * @param stats what the CPU certified
   */
  constructor(
    private readonly position: Int32Array,
    private readonly bits: Uint32Array,
    readonly k: number,
    readonly backend: string,
    readonly stats: DenseGraphStats = { uncertain: 0, spatial: 0, dots: 0 },
  ) {
    this.words = Math.ceil(k / 32);
  }

  /** Whether tokens i and j (both vertices) are joined by an edge. */
  hasEdge(i: number, j: number): boolean {
    let pi = this.position[i];
    let pj = this.position[j];
    if (pi < 0 || pj < 0 || pi === pj) return false;
    if (pi > pj) [pi, pj] = [pj, pi];
    return (this.bits[pi * this.words + (pj >>> 5)] & (1 << (pj & 31))) !== 0;
  }

  /** True when `v` has an edge to some member of `taken`. */
  conflicts(v: number, taken: TakenSet): boolean {
    for (const u of taken.members) if (this.hasEdge(v, u)) return true;
    return false;
  }
}

function setBit(bits: Uint32Array, words: number, a: number, b: number, on: boolean): void {
  const [i, j] = a < b ? [a, b] : [b, a];
  const w = i * words + (j >>> 5);
  if (on) bits[w] |= 1 << (j & 31);
  else bits[w] &= ~(1 << (j & 31));
}

/**
 * Builds the dense graph over the tokens `vertices` (the candidates R). The semantic block runs
 * through the kernel registry (`edgeBlock`; a GPU backend when requested); when the rule cannot
 * join non-adjacent tokens (alpha ≤ theta) no kernel runs. Then, on the CPU with exact cosines
 * (the lazy graph's own), the uncertain pairs are decided and, when alpha < 1, every pair of
 * spatial neighbours among the vertices is set by the full rule.
 */
export async function buildDenseGraph(
  features: Matrix,
  layout: Layout,
  rule: EdgeRule,
  vertices: Int32Array,
  options: { registry?: KernelRegistry; backend?: BackendRequest } = {},
): Promise<DenseGraph> {
  const registry = options.registry ?? kernelRegistry();
  const k = vertices.length;
  const words = Math.ceil(k / 32);
  const shape = shapeOf(rule);
  let bits: Uint32Array = new Uint32Array(k * words);
  let backend = 'cpu';
  const exact: { c?: LazyCosine } = {};
  const cosine = { cos: (a: number, b: number) => (exact.c ??= new LazyCosine(features)).cos(a, b) };
  const stats: DenseGraphStats = { uncertain: 0, spatial: 0, dots: 0 };
  try {
    if (shape.nonSpatialPossible) {
      const r = await registry.run('edgeBlock', { x: features, subset: vertices, alpha: rule.alpha, theta: rule.theta }, options.backend ?? 'auto');
      backend = r.backend;
      stats.uncertain = r.output.uncertain.length / 2;
      bits = resolveEdgeBlock(r.output, k, (i, j) => semanticEdge(cosine.cos(vertices[i], vertices[j]), rule.alpha, rule.theta));
    }
    const position = new Int32Array(features.rows).fill(-1);
    vertices.forEach((v, p) => (position[v] = p));
    if (rule.alpha < 1) {
      const spatial = new SpatialIndex(layout);
      for (let p = 0; p < k; p++) {
        const v = vertices[p];
        spatial.someNeighbour(v, rule.radius, (u) => {
          const q = position[u];
          if (q > p) {
            stats.spatial++;
            const cos = shape.adjacentAlwaysEdge || shape.cosineUnused ? 0 : cosine.cos(v, u);
            setBit(bits, words, p, q, isEdge(rule, cos, 1));
          }
          return false;
        });
      }
    }
    stats.dots = exact.c?.dots ?? 0;
    return new DenseGraph(position, bits, k, backend, stats);
  } finally {
    exact.c?.release();
  }
}
