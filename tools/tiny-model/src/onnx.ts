import onnxProto from 'onnx-proto';

/** The onnx-proto namespace (protobufjs static code of the ONNX schema). */
export const onnx = onnxProto.onnx;

/** ONNX element types used by the generated graphs. */
export const ElemType = { FLOAT: 1, INT64: 7, BOOL: 9 } as const;

/** An ONNX element type code. */
export type ElemTypeCode = (typeof ElemType)[keyof typeof ElemType];

/** A node attribute: an int, a list of ints, or a float. */
export type Attr = { int: number } | { ints: readonly number[] } | { float: number };

/** An integer attribute. */
export const int = (v: number): Attr => ({ int: v });
/** An integer-list attribute. */
export const ints = (v: readonly number[]): Attr => ({ ints: v });
/** A float attribute. */
export const float = (v: number): Attr => ({ float: v });

/** A dimension: a fixed size or a symbolic name (`batch_size`, `past_sequence_length`…). */
export type Dim = number | string;

function valueInfo(name: string, elemType: ElemTypeCode, dims: readonly Dim[]) {
  return {
    name,
    type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
  };
}

function attribute(name: string, a: Attr) {
  const T = onnx.AttributeProto.AttributeType;
  if ('int' in a) return { name, type: T.INT, i: a.int };
  if ('ints' in a) return { name, type: T.INTS, ints: [...a.ints] };
  return { name, type: T.FLOAT, f: a.float };
}

function bytesOf(view: Float32Array | BigInt64Array | Uint8Array): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

/**
 * Builds one ONNX graph node by node. Intermediate values get unique generated names; inputs,
 * outputs and initializers keep the names given.
 */
export class GraphBuilder {
  private readonly nodes: object[] = [];
  private readonly inits: object[] = [];
  private readonly inputs: object[] = [];
  private readonly outputs: object[] = [];
  private counter = 0;
  private readonly constants = new Map<string, string>();
  /**
   * Name scope of the nodes added next, optimum-style (`/model/layers.3`): node names become
   * `{scope}/{OpType}_n{i}` and generated values `{scope}/{OpType}_{k}_output_0`, so graph surgery
   * can tell which layer a node belongs to. Empty: `n{k}_{OpType}` / `{optype}_{k}`.
   */
  scope = '';

  /** @param name graph name */
  constructor(private readonly name: string) {}

  /** Declares a graph input. */
  input(name: string, elemType: ElemTypeCode, dims: readonly Dim[]): string {
    this.inputs.push(valueInfo(name, elemType, dims));
    return name;
  }

  /** Declares a graph output (the value `name` must be produced by some node). */
  output(name: string, elemType: ElemTypeCode, dims: readonly Dim[]): string {
    this.outputs.push(valueInfo(name, elemType, dims));
    return name;
  }

  /** Adds a float32 initializer. */
  floats(name: string, dims: readonly number[], data: Float32Array): string {
    this.inits.push({ name, dims: [...dims], dataType: ElemType.FLOAT, rawData: bytesOf(data) });
    return name;
  }

  /** An int64 constant (deduplicated by value). */
  i64(values: readonly number[], dims: readonly number[] = [values.length]): string {
    const key = `i64:${dims.join(',')}:${values.join(',')}`;
    const hit = this.constants.get(key);
    if (hit) return hit;
    const name = `const_i64_${this.constants.size}`;
    this.inits.push({ name, dims: [...dims], dataType: ElemType.INT64, rawData: bytesOf(BigInt64Array.from(values, (v) => BigInt(v))) });
    this.constants.set(key, name);
    return name;
  }

  /** A float32 scalar constant (deduplicated by value). */
  scalar(value: number): string {
    const key = `f32:${value}`;
    const hit = this.constants.get(key);
    if (hit) return hit;
    const name = `const_f32_${this.constants.size}`;
    this.inits.push({ name, dims: [], dataType: ElemType.FLOAT, rawData: bytesOf(Float32Array.of(value)) });
    this.constants.set(key, name);
    return name;
  }

  /** Adds a node with one generated output and returns that output's name. */
  op(opType: string, inputs: readonly string[], attrs: Record<string, Attr> = {}): string {
    const k = this.counter++;
    const out = this.scope ? `${this.scope}/${opType}_${k}_output_0` : `${opType.toLowerCase()}_${k}`;
    this.opTo(opType, inputs, [out], attrs);
    return out;
  }

  /** Adds a node writing the named outputs. */
  opTo(opType: string, inputs: readonly string[], outputs: readonly string[], attrs: Record<string, Attr> = {}): void {
    this.nodes.push({
      opType,
      input: [...inputs],
      output: [...outputs],
      name: this.scope ? `${this.scope}/${opType}_n${this.nodes.length}` : `n${this.nodes.length}_${opType}`,
      attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
    });
  }

  /** Renames a value into a graph output name with an Identity node. */
  alias(value: string, name: string): string {
    this.opTo('Identity', [value], [name]);
    return name;
  }

  /** Serialises the model (IR version 8, default-domain opset `opset`). */
  encode(opset = 17): Uint8Array {
    const model = onnx.ModelProto.create({
      irVersion: 8,
      producerName: 'd2pruner-tiny-model',
      producerVersion: '0.1.0',
      opsetImport: [{ domain: '', version: opset }],
      graph: { name: this.name, node: this.nodes, initializer: this.inits, input: this.inputs, output: this.outputs },
    });
    return onnx.ModelProto.encode(model).finish();
  }
}
