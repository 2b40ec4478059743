import { describe, expect, it } from 'vitest';
import { D2PrunerError, readSafetensors, tokenInputFromSafetensors, writeSafetensors } from '../src/index.js';

/** Builds a safetensors file by hand (independent of the writer under test). */
function handMade(header: object, data: Uint8Array, headerLenOverride?: bigint): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, headerLenOverride ?? BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

function errorOf(fn: () => unknown): D2PrunerError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(D2PrunerError);
    return e as D2PrunerError;
  }
  throw new Error('expected a typed error');
}

describe('safetensors read', () => {
  it('decodes F32, F16 and BF16 little-endian values', () => {
    const bytes = new Uint8Array([
      // F32 1.5, -2
      0x00, 0x00, 0xc0, 0x3f, 0x00, 0x00, 0x00, 0xc0,
      // F16 1.0 (0x3c00), -2.0 (0xc000), 65504 (0x7bff), 2^-24 (0x0001)
      0x00, 0x3c, 0x00, 0xc0, 0xff, 0x7b, 0x01, 0x00,
      // BF16 1.0 (0x3f80), -0.5 (0xbf00)
      0x80, 0x3f, 0x00, 0xbf,
    ]);
    const file = readSafetensors(
      handMade(
        {
          a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
          b: { dtype: 'F16', shape: [2, 2], data_offsets: [8, 16] },
          c: { dtype: 'BF16', shape: [2], data_offsets: [16, 20] },
          __metadata__: { k: 'v' },
        },
        bytes,
      ),
    );
    expect(Array.from(file.get('a')!.data)).toEqual([1.5, -2]);
    expect(Array.from(file.get('b')!.data)).toEqual([1, -2, 65504, 2 ** -24]);
    expect(file.get('b')!.shape).toEqual([2, 2]);
    expect(Array.from(file.get('c')!.data)).toEqual([1, -0.5]);
    expect(file.metadata).toEqual({ k: 'v' });
    expect(file.get('missing')).toBeUndefined();
  });

  it('round-trips through the F32 writer, header aligned to 8 bytes', () => {
    const bytes = writeSafetensors({ x: { shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6.25]) } }, { 'd2pruner.model': 'm' });
    const hlen = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(hlen % 8).toBe(0);
    const f = readSafetensors(bytes);
    expect(f.get('x')).toEqual({ shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6.25]) });
    expect(f.metadata['d2pruner.model']).toBe('m');
  });

  it('reads from a Node Buffer at an unaligned offset inside a shared pool', () => {
    const bytes = writeSafetensors({ x: { shape: [3], data: Float32Array.from([1, -2, 3.5]) } });
    const pooled = Buffer.concat([Buffer.from([9, 9, 9]), Buffer.from(bytes), Buffer.from([7, 7])]).subarray(3, 3 + bytes.length);
    expect(Array.from(readSafetensors(pooled).get('x')!.data)).toEqual([1, -2, 3.5]);
  });

  it('rejects a file shorter than the length prefix', () => {
    expect(errorOf(() => readSafetensors(new Uint8Array(5)))).toMatchObject({ code: 'CORRUPT_FILE', field: 'header' });
  });

  it('rejects a header length beyond the file', () => {
    const f = handMade({}, new Uint8Array(0), 1000n);
    expect(errorOf(() => readSafetensors(f))).toMatchObject({ code: 'CORRUPT_FILE', field: 'header' });
  });

  it('rejects a header that is not JSON', () => {
    const f = handMade({}, new Uint8Array(0));
    f[8] = 0x7b;
    f[9] = 0x5b; // "{[" …
    expect(errorOf(() => readSafetensors(f))).toMatchObject({ code: 'CORRUPT_FILE', field: 'header' });
  });

  it('rejects a truncated data section, naming the tensor', () => {
    const f = handMade({ features: { dtype: 'F32', shape: [4, 4], data_offsets: [0, 64] } }, new Uint8Array(40));
    expect(errorOf(() => readSafetensors(f))).toMatchObject({ code: 'CORRUPT_FILE', field: 'features.data_offsets' });
  });

  it('rejects a header that lies about sizes (shape vs offsets)', () => {
    const f = handMade({ attention: { dtype: 'F32', shape: [10], data_offsets: [0, 36] } }, new Uint8Array(36));
    expect(errorOf(() => readSafetensors(f))).toMatchObject({ code: 'CORRUPT_FILE', field: 'attention.data_offsets' });
  });

  it('rejects an invalid shape', () => {
    const f = handMade({ attention: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }, new Uint8Array(4));
    expect(errorOf(() => readSafetensors(f))).toMatchObject({ code: 'CORRUPT_FILE', field: 'attention.shape' });
  });

  it('reports an unsupported dtype when the tensor is read', () => {
    const f = readSafetensors(handMade({ features: { dtype: 'I8', shape: [4], data_offsets: [0, 4] } }, new Uint8Array(4)));
    expect(errorOf(() => f.get('features'))).toMatchObject({ code: 'UNSUPPORTED_DTYPE', field: 'features' });
    expect(errorOf(() => tokenInputFromSafetensors(f))).toMatchObject({ code: 'UNSUPPORTED_DTYPE', field: 'features' });
  });
});

describe('token input from safetensors', () => {
  const f32 = (values: number[]) => new Uint8Array(Float32Array.from(values).buffer);

  it('reduces [H, N] attention to the head mean and parses the layout', () => {
    const layout = JSON.stringify({ frames: [{ rows: 1, cols: 2 }], frame: [0, 0], row: [0, 0], col: [0, 1] });
    const file = readSafetensors(
      handMade(
        {
          attention: { dtype: 'F32', shape: [2, 2], data_offsets: [0, 16] },
          features: { dtype: 'F32', shape: [2, 1], data_offsets: [16, 24] },
          __metadata__: { 'd2pruner.layout': layout, 'd2pruner.model': 'llava-1.5-7b' },
        },
        f32([1, 2, 3, 6, 5, 5]),
      ),
    );
    const input = tokenInputFromSafetensors(file);
    expect(Array.from(input.attention!)).toEqual([2, 4]);
    expect(input.model).toBe('llava-1.5-7b');
    expect(Array.from(input.layout!.col)).toEqual([0, 1]);
  });

  it('rejects a layout of the wrong length, naming the field', () => {
    const layout = JSON.stringify({ frames: [{ rows: 1, cols: 3 }], frame: [0, 0, 0], row: [0, 0, 0], col: [0, 1, 2] });
    const file = readSafetensors(handMade({ attention: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, __metadata__: { 'd2pruner.layout': layout } }, f32([1, 2])));
    expect(errorOf(() => tokenInputFromSafetensors(file))).toMatchObject({ code: 'SHAPE_MISMATCH', field: 'layout.frame' });
  });

  it('rejects a layout with coordinates outside its frame', () => {
    const layout = JSON.stringify({ frames: [{ rows: 1, cols: 2 }], frame: [0, 0], row: [0, 1], col: [0, 1] });
    const file = readSafetensors(handMade({ attention: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, __metadata__: { 'd2pruner.layout': layout } }, f32([1, 2])));
    expect(errorOf(() => tokenInputFromSafetensors(file))).toMatchObject({ code: 'INVALID_INPUT', field: 'layout.row' });
  });

  it('rejects features and attention that disagree on N', () => {
    const file = readSafetensors(
      handMade(
        { attention: { dtype: 'F32', shape: [3], data_offsets: [0, 12] }, features: { dtype: 'F32', shape: [2, 1], data_offsets: [12, 20] } },
        f32([1, 2, 3, 4, 5]),
      ),
    );
    expect(errorOf(() => tokenInputFromSafetensors(file))).toMatchObject({ code: 'SHAPE_MISMATCH', field: 'attention' });
  });

  it('rejects features of rank 1', () => {
    const file = readSafetensors(handMade({ features: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, f32([1, 2])));
    expect(errorOf(() => tokenInputFromSafetensors(file))).toMatchObject({ code: 'SHAPE_MISMATCH', field: 'features' });
  });
});

describe('writeSafetensors with I32 index tensors', () => {
  it('writes the named tensor as I32 and reads it back exactly', () => {
    const bytes = writeSafetensors({ object: { shape: [4], data: Float32Array.from([-1, 0, 7, 123456]) } }, {}, { object: 'I32' });
    const file = readSafetensors(bytes);
    expect(file.entries.get('object')?.dtype).toBe('I32');
    const view = new DataView(bytes.buffer, 8 + Number(new DataView(bytes.buffer).getBigUint64(0, true)));
    expect([0, 1, 2, 3].map((i) => view.getInt32(i * 4, true))).toEqual([-1, 0, 7, 123456]);
    expect(Array.from(file.get('object')?.data ?? [])).toEqual([-1, 0, 7, 123456]);
  });

  it('refuses a non-integer value for an I32 tensor, naming it', () => {
    expect(() => writeSafetensors({ object: { shape: [1], data: Float32Array.from([0.5]) } }, {}, { object: 'I32' })).toThrow(/object/);
  });
});
