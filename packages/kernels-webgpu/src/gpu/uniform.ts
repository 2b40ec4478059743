import { InvalidArgumentError } from '@d2pruner/core';

/** A WGSL scalar type of a uniform field (each 4 bytes). */
export type UniformType = 'u32' | 'i32' | 'f32';

/**
 * One uniform struct, declared once: the WGSL text a shader embeds and the host packing are both
 * generated from the same field list, so they cannot disagree. Fields are 4-byte scalars laid out
 * in order (WGSL's uniform layout for scalars), padded to a multiple of 16 bytes.
 */
export interface UniformStruct<F extends string> {
  /** WGSL struct name. */
  readonly name: string;
  /** Fields in layout order with their types. */
  readonly fields: ReadonlyArray<readonly [F, UniformType]>;
  /** `struct Name { a: u32, b: f32, … }` with padding fields. */
  readonly wgsl: string;
  /** Size in bytes (a multiple of 16). */
  readonly bytes: number;
  /** Byte offset of each field. */
  readonly offsets: Readonly<Record<F, number>>;
  /** Packs values (every field required) into a buffer of `bytes` bytes; throws on a value the type cannot hold. */
  pack(values: Readonly<Record<F, number>>): ArrayBuffer;
}

function check(struct: string, field: string, type: UniformType, v: number): void {
  const ok =
    type === 'f32' ? typeof v === 'number' && !Number.isNaN(v) : type === 'u32' ? Number.isInteger(v) && v >= 0 && v <= 0xffffffff : Number.isInteger(v) && v >= -(2 ** 31) && v < 2 ** 31;
  if (!ok) throw new InvalidArgumentError(`${struct}.${field}`, `uniform ${struct}.${field}: ${String(v)} is not a valid ${type}`);
}

/** Declares a uniform struct (see {@link UniformStruct}). */
export function uniformStruct<const F extends string>(name: string, fields: ReadonlyArray<readonly [F, UniformType]>): UniformStruct<F> {
  const bytes = Math.max(16, Math.ceil((fields.length * 4) / 16) * 16);
  const pads = bytes / 4 - fields.length;
  const members = [...fields.map(([f, t]) => `${f}: ${t}`), ...Array.from({ length: pads }, (_, i) => `pad${i}: u32`)];
  const offsets = Object.fromEntries(fields.map(([f], i) => [f, i * 4])) as Record<F, number>;
  return {
    name,
    fields,
    bytes,
    offsets,
    wgsl: `struct ${name} { ${members.join(', ')} }`,
    pack(values) {
      const buf = new ArrayBuffer(bytes);
      const view = new DataView(buf);
      for (const [f, t] of fields) {
        const v = values[f];
        check(name, f, t, v);
        const at = offsets[f];
        if (t === 'u32') view.setUint32(at, v, true);
        else if (t === 'i32') view.setInt32(at, v, true);
        else view.setFloat32(at, v, true);
      }
      return buf;
    },
  };
}
