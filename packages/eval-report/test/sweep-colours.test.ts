import type { EvalReport } from '@d2pruner/pipeline';
import * as vega from 'vega';
import { compile } from 'vega-lite';
import { describe, expect, it } from 'vitest';
import { reportCharts, sweepSpec } from '../src/index.js';

/** An evaluation of `n` methods at two ratios, every metric set. */
function report(n: number): EvalReport {
  const results = Array.from({ length: n }, (_, k) =>
    [0.1, 0.2].map((ratio) => ({ method: `method-${k}`, budget: { ratio }, files: 1, skipped: 0, referentHit: 0.5, referentShare: (k + 1) / (n + 1), objectRecall: 0.5, msPerFile: 1, referentFiles: 1, kept: 10, keptRatio: ratio })),
  ).flat();
  return { files: 1, results };
}

interface Drawn {
  /** Per method, how its line is stroked (colour and dash). */
  lines: Map<string, string>;
  /** Per method, how its points are drawn (colour and shape). */
  points: Map<string, string>;
}

/** Renders a spec with Vega (no browser) and reads, from the scene graph, how each method's line and points are drawn. */
async function draw(spec: ReturnType<typeof sweepSpec>): Promise<Drawn> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  await view.runAsync();
  const drawn: Drawn = { lines: new Map(), points: new Map() };
  type Node = { marktype?: string; role?: string; items?: Node[]; datum?: { method?: string }; stroke?: string; fill?: string; strokeDash?: number[]; shape?: string };
  const visit = (node: Node, marktype?: string, role?: string) => {
    const method = node.datum?.method;
    if (method !== undefined && role === 'mark') {
      if (marktype === 'line') drawn.lines.set(method, `${node.stroke} ${node.strokeDash?.join(',') ?? 'solid'}`);
      if (marktype === 'symbol') drawn.points.set(method, `${node.fill ?? node.stroke} ${node.shape ?? 'circle'}`);
    }
    for (const child of node.items ?? []) visit(child, node.marktype ?? marktype, node.role ?? role);
  };
  visit((view.scenegraph() as unknown as { root: Node }).root);
  view.finalize();
  return drawn;
}

describe('sweep charts tell every method apart', () => {
  it('14 methods: 14 lines in 14 distinct colours, and 14 distinct point styles (the default scheme has 10)', async () => {
    const drawn = await draw(sweepSpec(report(14), 'referentShare'));
    expect(drawn.lines.size).toBe(14);
    expect(new Set(drawn.lines.values()).size).toBe(14);
    expect(new Set([...drawn.lines.values()].map((s) => s.split(' ')[0])).size).toBe(14);
    expect(drawn.points.size).toBe(14);
    expect(new Set(drawn.points.values()).size).toBe(14);
  });

  it('25 methods (beyond 20 colours): every line differs in colour or dash, every point in colour or shape, in every sweep, with one legend', async () => {
    for (const chart of reportCharts(report(25), []).filter((c) => c.id.startsWith('sweep-'))) {
      const drawn = await draw(chart.spec);
      expect(new Set(drawn.lines.values()).size, chart.id).toBe(25);
      expect(new Set(drawn.points.values()).size, chart.id).toBe(25);
      const legends = (compile(chart.spec).spec.legends ?? []).length;
      expect(legends, chart.id).toBe(1);
    }
  });

  it('up to 10 methods keep the default colours, each line its own', async () => {
    const drawn = await draw(sweepSpec(report(3), 'objectRecall'));
    expect(new Set(drawn.lines.values()).size).toBe(3);
    expect((sweepSpec(report(3), 'objectRecall') as { encoding: Record<string, unknown> }).encoding.color).toEqual({ field: 'method', type: 'nominal', title: 'method' });
  });
});
