// Writes bench scenes as safetensors token files (docs/formats.md §1) in F32, F16 or BF16 — real VLM
// hidden states are usually half precision — so the benchmarks measure the path users take.
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** float32 → binary16 bits, round to nearest even (overflow → ±Inf). */
export function f16Bits(x) {
  f32[0] = x;
  const u = u32[0];
  const sign = (u >>> 16) & 0x8000;
  const exp = (u >>> 23) & 0xff;
  let mant = u & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  let shift = 13;
  let half;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    shift = 14 - e;
    half = mant >>> shift;
  } else {
    half = (e << 10) | (mant >>> 13);
  }
  const rem = mant & ((1 << shift) - 1);
  const mid = 1 << (shift - 1);
  if (rem > mid || (rem === mid && half & 1)) half++;
  return sign | half;
}

/** float32 → bfloat16 bits, round to nearest even. */
export function bf16Bits(x) {
  f32[0] = x;
  const u = u32[0];
  return ((u + 0x7fff + ((u >>> 16) & 1)) >>> 16) & 0xffff;
}

function encode(values, dtype) {
  if (dtype === 'F32') return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  const out = new Uint16Array(values.length);
  const bits = dtype === 'F16' ? f16Bits : bf16Bits;
  for (let i = 0; i < values.length; i++) out[i] = bits(values[i]);
  return new Uint8Array(out.buffer);
}

/** The tensors of a scene input as {name: [shape, Float32Array]}. */
function tensorsOf(input) {
  const out = {};
  for (const [name, v] of Object.entries(input)) {
    if (v instanceof Float32Array) out[name] = [[v.length], v];
    else if (v && v.data instanceof Float32Array) out[name] = [[v.rows, v.cols], v.data];
  }
  return out;
}

/** Serialises a scene input (matrices and vectors) with its layout; float tensors in `dtype`. */
export function tokenFileBytes(input, dtype = 'F32') {
  const header = {};
  const parts = [];
  let offset = 0;
  for (const [name, [shape, values]] of Object.entries(tensorsOf(input))) {
    const bytes = encode(values, dtype);
    header[name] = { dtype, shape, data_offsets: [offset, offset + bytes.length] };
    parts.push(bytes);
    offset += bytes.length;
  }
  const { layout } = input;
  header.__metadata__ = {
    'd2pruner.layout': JSON.stringify({ frames: layout.frames, frame: Array.from(layout.frame), row: Array.from(layout.row), col: Array.from(layout.col) }),
  };
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const head = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + head.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  let at = 8 + head.length;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Writes the scene to `<tmp>/d2pruner-bench/<name>-<dtype>.safetensors` and returns the path and size. */
export function writeTokenFile(name, input, dtype = 'F32') {
  const dir = join(tmpdir(), 'd2pruner-bench');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}-${dtype.toLowerCase()}.safetensors`);
  const bytes = tokenFileBytes(input, dtype);
  writeFileSync(path, bytes);
  return { path, bytes: bytes.length };
}
