import { InvalidArgumentError, InvalidInputError } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { shapeSize } from '../tensor.js';

/** Dtypes this library writes: F32 for values, I32 for index tensors such as `object` (docs/formats.md §1). */
export type WritableDtype = 'F32' | 'I32';

const WRITABLE: ReadonlySet<string> = new Set<WritableDtype>(['F32', 'I32']);

/**
 * Serialises tensors and string metadata to the safetensors format: F32, or I32 for the tensors
 * `dtypes` names (their values must be integers in the int32 range). The header is padded with
 * spaces to an 8-byte boundary, as the reference implementation does. A dtype other than F32
 * or I32 (possible from untyped JavaScript) is INVALID_ARGUMENT naming `dtypes.<tensor>`, as are
 * a shape that is not a list of integers ≥ 0, a metadata value that is not a string and a tensor
 * named `__metadata__` — all checked before anything is written, since each would make a file
 * that no reader accepts.
 */
export function writeSafetensors(tensors: Record<string, Tensor>, metadata: Record<string, string> = {}, dtypes: Readonly<Record<string, WritableDtype>> = {}): Uint8Array {
  if (typeof tensors !== 'object' || tensors === null) throw new InvalidArgumentError('tensors', 'tensors must be an object of { shape, data } by name');
  for (const [key, value] of Object.entries(metadata ?? {})) {
    if (typeof value !== 'string') throw new InvalidArgumentError(`metadata.${key}`, `metadata values are strings (safetensors __metadata__); '${key}' is ${typeof value}`);
  }
  for (const [name, t] of Object.entries(tensors)) {
    if (name === '__metadata__') throw new InvalidArgumentError(name, "a tensor cannot be named '__metadata__' (the header's metadata key)");
    if (!t || !Array.isArray(t.shape) || !t.shape.every((d) => Number.isInteger(d) && d >= 0)) {
      throw new InvalidArgumentError(`${name}.shape`, `tensor '${name}': the shape must be a list of integers ≥ 0, got ${JSON.stringify(t?.shape)}`);
    }
  }
  for (const [name, dtype] of Object.entries(dtypes)) {
    if (!WRITABLE.has(dtype)) throw new InvalidArgumentError(`dtypes.${name}`, `tensor '${name}': dtype '${String(dtype)}' cannot be written; this writer writes F32 and I32`);
  }
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length) header.__metadata__ = metadata;
  let offset = 0;
  const names = Object.keys(tensors);
  for (const name of names) {
    const t = tensors[name];
    if (shapeSize(t.shape) !== t.data.length) {
      throw new InvalidInputError(name, `tensor '${name}': shape [${t.shape.join(', ')}] does not match ${t.data.length} values`);
    }
    if (dtypes[name] === 'I32' && !t.data.every((v) => Number.isInteger(v) && v >= -2147483648 && v <= 2147483647)) {
      throw new InvalidInputError(name, `tensor '${name}' is written as I32 but holds a value that is not a 32-bit integer`);
    }
    const bytes = t.data.length * 4;
    header[name] = { dtype: dtypes[name] ?? 'F32', shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  const enc = new TextEncoder();
  let hbytes = enc.encode(json);
  const pad = (8 - (hbytes.length % 8)) % 8;
  if (pad) {
    json += ' '.repeat(pad);
    hbytes = enc.encode(json);
  }
  const out = new Uint8Array(8 + hbytes.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(hbytes.length), true);
  out.set(hbytes, 8);
  let pos = 8 + hbytes.length;
  for (const name of names) {
    const d = tensors[name].data;
    if (dtypes[name] === 'I32') for (let i = 0; i < d.length; i++) view.setInt32(pos + i * 4, d[i], true);
    else for (let i = 0; i < d.length; i++) view.setFloat32(pos + i * 4, d[i], true);
    pos += d.length * 4;
  }
  return out;
}
