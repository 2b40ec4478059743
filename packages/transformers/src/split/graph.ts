import type { onnx } from 'onnx-proto';

/** A decoded ONNX node. */
export type NodeProto = onnx.INodeProto;

/** Layer index of an optimum-style node name (`/model/layers.3/self_attn/MatMul` → 3), else null. */
export function layerOfName(name: string | null | undefined): number | null {
  const m = /(?:^|\/)layers\.(\d+)(?:\/|$)/.exec(name ?? '');
  return m ? Number(m[1]) : null;
}

/** Ops that only read a tensor's shape, so they carry no data dependence. */
const SHAPE_ONLY = new Set(['Shape', 'Size']);

/** Producers, consumers and per-node facts of a graph's top-level nodes. */
export class GraphIndex {
  /** Node index producing each value. */
  readonly producer = new Map<string, number>();
  /** Node indices reading each value. */
  readonly consumers = new Map<string, number[]>();
  /** Layer of each node (null: outside the layers). */
  readonly layer: (number | null)[];
  /** Graph input names. */
  readonly inputs: Set<string>;
  /** Initializer names. */
  readonly initializers: Set<string>;

  /** @param graph a decoded graph */
  constructor(readonly graph: onnx.IGraphProto) {
    const nodes = graph.node ?? [];
    nodes.forEach((n, i) => {
      for (const o of n.output ?? []) if (o) this.producer.set(o, i);
      for (const v of n.input ?? []) {
        if (!v) continue;
        const list = this.consumers.get(v) ?? [];
        list.push(i);
        this.consumers.set(v, list);
      }
    });
    this.layer = nodes.map((n) => layerOfName(n.name));
    this.inputs = new Set((graph.input ?? []).map((v) => v.name ?? ''));
    this.initializers = new Set((graph.initializer ?? []).map((t) => t.name ?? ''));
  }

  /** The nodes. */
  get nodes(): NodeProto[] {
    return this.graph.node ?? [];
  }

  /**
   * Values that depend on the data (not only the shape) of `source`, propagated in node order
   * (ONNX nodes are topologically sorted); Shape and Size outputs never do.
   */
  dataDependents(source: string): Set<string> {
    const dep = new Set([source]);
    for (const n of this.nodes) {
      if (SHAPE_ONLY.has(n.opType ?? '')) continue;
      if ((n.input ?? []).some((v) => dep.has(v))) for (const o of n.output ?? []) if (o) dep.add(o);
    }
    return dep;
  }

  /**
   * Node indices needed to compute `outputs`, walking producers backwards and stopping at
   * `stops`, graph inputs and initializers; returned in graph order.
   */
  closure(outputs: Iterable<string>, stops: ReadonlySet<string> = new Set()): number[] {
    const seen = new Set<number>();
    const stack = [...outputs];
    while (stack.length) {
      const v = stack.pop() as string;
      if (stops.has(v)) continue;
      const p = this.producer.get(v);
      if (p === undefined || seen.has(p)) continue;
      seen.add(p);
      for (const i of this.nodes[p].input ?? []) if (i) stack.push(i);
    }
    return [...seen].sort((a, b) => a - b);
  }
}
