import { InvalidInputError, MissingTensorError, resolveParams, type Layout, type Method, type MethodParams, type Selection, type TokenInput } from '@d2pruner/core';

/** Parameters of {@link normNms}. */
export interface NormNmsParams {
  /** Chebyshev radius within which a picked token suppresses others on its frame. */
  radius: number;
}

function near(layout: Layout, a: number, b: number, radius: number): boolean {
  return layout.frame[a] === layout.frame[b] && Math.max(Math.abs(layout.row[a] - layout.row[b]), Math.abs(layout.col[a] - layout.col[b])) <= radius;
}

/**
 * A third-party method: rank tokens by feature L2 norm (ties → lower index) and keep them
 * greedily, skipping any token within `radius` of one already kept on the same frame
 * (non-maximum suppression); if that leaves the budget short, the skipped tokens fill it in
 * rank order.
 */
export const normNms: Method = {
  name: 'norm-nms',
  aliases: ['acme-nms'],
  description: 'feature-norm ranking with spatial non-maximum suppression (example third-party method)',
  requires: ['features'],
  optional: [],
  needsLayout: true,
  params: [{ name: 'radius', type: 'integer', default: 1, min: 0, description: 'suppression radius (Chebyshev, same frame)' }],
  async select(input: TokenInput, budget: number, raw: MethodParams = {}): Promise<Selection> {
    const t0 = performance.now();
    const { radius } = resolveParams<NormNmsParams>('norm-nms', this.params, raw);
    const f = input.features;
    if (!f) throw new MissingTensorError('features', 'norm-nms');
    const layout = input.layout;
    if (!layout) throw new InvalidInputError('layout', 'norm-nms needs a layout');
    const n = f.rows;
    const norm = Float64Array.from({ length: n }, (_, i) => {
      let s = 0;
      for (let d = 0; d < f.cols; d++) s += f.data[i * f.cols + d] ** 2;
      return Math.sqrt(s);
    });
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => norm[b] - norm[a] || a - b);
    const k = Math.min(budget, n);
    const kept: number[] = [];
    const skipped: number[] = [];
    for (const t of order) {
      if (kept.length === k) break;
      if (kept.some((u) => near(layout, t, u, radius))) skipped.push(t);
      else kept.push(t);
    }
    for (const t of skipped) if (kept.length < k) kept.push(t);
    for (const t of order) if (kept.length < k && !kept.includes(t)) kept.push(t);
    return { method: 'norm-nms', n, budget, keep: kept.sort((a, b) => a - b), backend: 'cpu', timings: { totalMs: performance.now() - t0 } };
  },
};
