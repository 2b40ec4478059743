import type { Layout, Matrix } from '@d2pruner/core';
import { kernelRegistry, type BackendRequest, type KernelRegistry } from '@d2pruner/kernels';
import type { EdgeRule } from './edge-rule.js';
import type { TakenSet } from './taken.js';

/**
 * The hybrid graph in dense form: the full cosine matrix of the candidates and the edge bitset,
 * built by the `cosineMatrix` and `edgeBitset` kernels. O(|R|²·D): the naive form the lazy graph
 * must agree with, and the shape GPU backends accelerate.
 */
export class DenseGraph {
  private readonly words: number;

  /**
   * @param position token index → row of the bitset (−1 for tokens outside the graph)
   * @param bits k×k adjacency bitset, `ceil(k/32)` words per row
   * @param k number of vertices
   * @param backend which kernel backend built it
   */
  constructor(
    private readonly position: Int32Array,
    private readonly bits: Uint32Array,
    readonly k: number,
    readonly backend: string,
  ) {
    this.words = Math.ceil(k / 32);
  }

  /** Whether tokens i and j (both vertices) are joined by an edge. */
  hasEdge(i: number, j: number): boolean {
    const pi = this.position[i];
    const pj = this.position[j];
    if (pi < 0 || pj < 0) return false;
    return (this.bits[pi * this.words + (pj >>> 5)] & (1 << (pj & 31))) !== 0;
  }

  /** True when `v` has an edge to some member of `taken`. */
  conflicts(v: number, taken: TakenSet): boolean {
    for (const u of taken.members) if (this.hasEdge(v, u)) return true;
    return false;
  }
}

/**
 * Builds the dense graph over the tokens `vertices` (the candidates R) through the kernel
 * registry, so a GPU backend computes the cosine matrix and the edge bitset when present.
 */
export async function buildDenseGraph(
  features: Matrix,
  layout: Layout,
  rule: EdgeRule,
  vertices: Int32Array,
  options: { registry?: KernelRegistry; backend?: BackendRequest } = {},
): Promise<DenseGraph> {
  const registry = options.registry ?? kernelRegistry();
  const backend = options.backend ?? 'auto';
  const k = vertices.length;
  const cos = await registry.run('cosineMatrix', { x: features, subset: vertices }, backend);
  const pick = (a: Int32Array) => Int32Array.from(vertices, (v) => a[v]);
  const bits = await registry.run(
    'edgeBitset',
    { cos: cos.output, k, frame: pick(layout.frame), row: pick(layout.row), col: pick(layout.col), ...rule },
    backend,
  );
  const position = new Int32Array(features.rows).fill(-1);
  vertices.forEach((v, p) => (position[v] = p));
  const used = cos.backend === bits.backend ? cos.backend : `${cos.backend}+${bits.backend}`;
  return new DenseGraph(position, bits.output, k, used);
}
