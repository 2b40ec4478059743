import { describe, expect, it } from 'vitest';
import { errorOf } from './typed-error.js';
import { MAX_DIMENSION, decodeToF32, f16ToF32, readSafetensors, tokenInputFromSafetensors, writeSafetensors } from '../src/index.js';

/** Builds a safetensors file by hand (independent of the writer under test). */
function handMade(header: object | string, data: Uint8Array, headerLenOverride?: bigint): Uint8Array {
  const json = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, headerLenOverride ?? BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
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

describe('safetensors decoding', () => {
  it('views aligned F32 data in place (zero-copy) and copies unaligned data', () => {
    const bytes = writeSafetensors({ x: { shape: [3], data: Float32Array.from([1, -2, 3.5]) } });
    const x = readSafetensors(bytes).get('x')!.data;
    expect(x.buffer).toBe(bytes.buffer);
    expect(Array.from(x)).toEqual([1, -2, 3.5]);
    const shifted = new Uint8Array(bytes.length + 1).subarray(1);
    shifted.set(bytes);
    const y = readSafetensors(shifted).get('x')!.data;
    expect(y.buffer).not.toBe(shifted.buffer);
    expect(Array.from(y)).toEqual([1, -2, 3.5]);
  });

  it('decodes every binary16 pattern like the scalar formula, and BF16 by its bit pattern', () => {
    const all = new Uint16Array(65536).map((_, i) => i);
    const f = readSafetensors(
      handMade(
        { h: { dtype: 'F16', shape: [65536], data_offsets: [0, 131072] }, b: { dtype: 'BF16', shape: [65536], data_offsets: [131072, 262144] } },
        new Uint8Array(Buffer.concat([Buffer.from(all.buffer), Buffer.from(all.buffer)])),
      ),
    );
    const h = f.get('h')!.data;
    const b = f.get('b')!.data;
    const probe = new DataView(new ArrayBuffer(4));
    for (let i = 0; i < 65536; i++) {
      expect(Object.is(h[i], Math.fround(f16ToF32(i))) || (Number.isNaN(h[i]) && Number.isNaN(f16ToF32(i)))).toBe(true);
      probe.setUint32(0, i << 16);
      const want = probe.getFloat32(0);
      expect(Object.is(b[i], want) || (Number.isNaN(b[i]) && Number.isNaN(want))).toBe(true);
    }
  });

  it('F16 and BF16 decode alike at every alignment and odd counts, into the arrays `allocate` gives', () => {
    const probe = new DataView(new ArrayBuffer(4));
    const want = (dtype: 'F16' | 'BF16', h: number) => {
      if (dtype === 'F16') return Math.fround(f16ToF32(h));
      probe.setUint32(0, h << 16);
      return probe.getFloat32(0);
    };
    for (const shift of [0, 2, 1]) {
      for (const count of [65535, 1, 0, 7]) {
        const raw = new Uint8Array(shift + 2 * count + 8);
        const words = new DataView(raw.buffer, shift);
        for (let i = 0; i < count; i++) words.setUint16(2 * i, (i * 40503 + shift) & 0xffff, true);
        for (const dtype of ['F16', 'BF16'] as const) {
          const given: Float32Array[] = [];
          const out = decodeToF32(raw.subarray(shift, shift + 2 * count), dtype, count, (n) => {
            const a = new Float32Array(n).fill(123);
            given.push(a);
            return a;
          });
          expect(given).toEqual([out]);
          for (let i = 0; i < count; i++) {
            const w = want(dtype, (i * 40503 + shift) & 0xffff);
            expect(Object.is(out[i], w) || (Number.isNaN(out[i]) && Number.isNaN(w)), `${dtype} shift ${shift} i ${i}`).toBe(true);
          }
        }
      }
    }
  });

  it('reads F64 rounded to the nearest float32', () => {
    const f = readSafetensors(handMade({ prior: { dtype: 'F64', shape: [2], data_offsets: [0, 16] } }, new Uint8Array(Float64Array.from([0.1, -1e300]).buffer)));
    expect(Array.from(f.get('prior')!.data)).toEqual([Math.fround(0.1), -Infinity]);
  });
});

describe('strict safetensors (hostile files)', () => {
  const f32 = (n: number) => new Uint8Array(n * 4);

  it.each(['features', 'attention', 'prior', 'clsAttention', 'keys'])('refuses I32 and I64 for the float tensor %s, naming it', (name) => {
    for (const [dtype, width] of [['I32', 4], ['I64', 8]] as const) {
      const f = readSafetensors(handMade({ [name]: { dtype, shape: [2], data_offsets: [0, 2 * width] } }, new Uint8Array(2 * width)));
      const e = errorOf(() => f.get(name));
      expect(e).toMatchObject({ code: 'UNSUPPORTED_DTYPE', field: name });
      expect(e.message).toContain(dtype);
      expect(errorOf(() => tokenInputFromSafetensors(f))).toMatchObject({ code: 'UNSUPPORTED_DTYPE', field: name });
    }
  });

  it('reads I32 and I64 for the index tensor object', () => {
    const data = new Uint8Array(16);
    new DataView(data.buffer).setInt32(0, -1, true);
    new DataView(data.buffer).setBigInt64(8, 7n, true);
    const f = readSafetensors(
      handMade({ object: { dtype: 'I32', shape: [2], data_offsets: [0, 8] }, other: { dtype: 'I64', shape: [1], data_offsets: [8, 16] } }, data),
    );
    expect(Array.from(f.get('object')!.data)).toEqual([-1, 0]);
    expect(errorOf(() => f.get('other'))).toMatchObject({ code: 'UNSUPPORTED_DTYPE', field: 'other' });
  });

  it('refuses features of width 0 with INVALID_INPUT naming features', () => {
    const f = readSafetensors(handMade({ features: { dtype: 'F32', shape: [100000000, 0], data_offsets: [0, 0] } }, new Uint8Array(0)));
    expect(errorOf(() => tokenInputFromSafetensors(f))).toMatchObject({ code: 'INVALID_INPUT', field: 'features' });
    const t = readSafetensors(
      handMade(
        { attention: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, textFeatures: { dtype: 'F32', shape: [100000000, 0], data_offsets: [8, 8] } },
        f32(2),
      ),
    );
    expect(errorOf(() => tokenInputFromSafetensors(t))).toMatchObject({ code: 'INVALID_INPUT', field: 'textFeatures' });
  });

  it('refuses overlapping data_offsets, naming the later tensor', () => {
    const f = handMade({ attention: { dtype: 'F32', shape: [4], data_offsets: [0, 16] }, prior: { dtype: 'F32', shape: [4], data_offsets: [8, 24] } }, f32(6));
    expect(errorOf(() => readSafetensors(f))).toMatchObject({ code: 'CORRUPT_FILE', field: 'prior.data_offsets' });
    const same = handMade({ attention: { dtype: 'F32', shape: [4], data_offsets: [0, 16] }, prior: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, f32(4));
    expect(errorOf(() => readSafetensors(same))).toMatchObject({ code: 'CORRUPT_FILE', field: 'prior.data_offsets' });
  });

  it('refuses a gap between tensors and trailing bytes, naming the tensor', () => {
    const gap = handMade({ attention: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, prior: { dtype: 'F32', shape: [2], data_offsets: [12, 20] } }, f32(5));
    expect(errorOf(() => readSafetensors(gap))).toMatchObject({ code: 'CORRUPT_FILE', field: 'prior.data_offsets' });
    const trailing = handMade({ attention: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, f32(3));
    expect(errorOf(() => readSafetensors(trailing))).toMatchObject({ code: 'CORRUPT_FILE', field: 'attention.data_offsets' });
    expect(errorOf(() => readSafetensors(handMade({}, f32(1))))).toMatchObject({ code: 'CORRUPT_FILE', field: 'data' });
  });

  it('refuses duplicate tensor names (JSON would keep the last one)', () => {
    const json = '{"attention":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"attention":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}';
    expect(errorOf(() => readSafetensors(handMade(json, f32(4))))).toMatchObject({ code: 'CORRUPT_FILE', field: 'attention' });
    const nested = '{"__metadata__":{"a":"x","b":"{\\"attention\\":1}"},"attention":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}';
    expect(Array.from(readSafetensors(handMade(nested, f32(2))).get('attention')!.data)).toEqual([0, 0]);
  });

  it('finds duplicates among names with escaped quotes and backslashes', () => {
    const entry = (at: number) => ({ dtype: 'F32', shape: [1], data_offsets: [at, at + 4] });
    const distinct = `{"a\\"b":${JSON.stringify(entry(0))},"c\\\\":${JSON.stringify(entry(4))},"__metadata__":{"k":"\\"q\\\\"}}`;
    const f = readSafetensors(handMade(distinct, f32(2)));
    expect([...f.entries.keys()]).toEqual(['a"b', 'c\\']);
    const twice = `{"a\\"b":${JSON.stringify(entry(0))},"a\\"b":${JSON.stringify(entry(4))}}`;
    expect(errorOf(() => readSafetensors(handMade(twice, f32(2))))).toMatchObject({ code: 'CORRUPT_FILE', field: 'a"b' });
  });

  it('says "not a safetensors file" without echoing the file bytes', () => {
    const text = new TextEncoder().encode('root:*:20000:0:99999:7:::\n');
    const e = errorOf(() => readSafetensors(text));
    expect(e).toMatchObject({ code: 'CORRUPT_FILE', field: 'header' });
    expect(e.message).toContain('not a safetensors file');
    const asNumber = new DataView(text.buffer).getBigUint64(0, true).toString();
    expect(e.message).not.toContain(asNumber);
    expect(e.message).not.toContain('root');
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

describe('shapes with a zero dimension', () => {
  it('a dimension over MAX_DIMENSION is refused when the header is read, even where a zero makes the tensor empty', () => {
    const e = errorOf(() => readSafetensors(handMade({ attention: { dtype: 'F32', shape: [1e15, 0], data_offsets: [0, 0] } }, new Uint8Array(0))));
    expect(e).toMatchObject({ code: 'INVALID_INPUT', field: 'attention.shape' });
    expect(MAX_DIMENSION).toBe(2 ** 31 - 1);
  });

  it('[H, 0] attention at the largest dimension is zero tokens at once, not a loop over its heads', () => {
    const t0 = performance.now();
    const file = readSafetensors(handMade({ features: { dtype: 'F32', shape: [0, 4], data_offsets: [0, 0] }, attention: { dtype: 'F32', shape: [MAX_DIMENSION, 0], data_offsets: [0, 0] } }, new Uint8Array(0)));
    expect(tokenInputFromSafetensors(file).attention?.length).toBe(0);
    expect(performance.now() - t0).toBeLessThan(500);
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

  it('refuses a dtype it does not write (BF16 from untyped code) before writing, naming the tensor', () => {
    const dtypes = { features: 'BF16' } as unknown as Record<string, 'F32'>;
    const e = errorOf(() => writeSafetensors({ features: { shape: [2], data: Float32Array.from([1, 2]) } }, {}, dtypes));
    expect(e).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'dtypes.features' });
    expect((e as Error).message).toMatch(/BF16/);
  });

  it('refuses a non-integer value for an I32 tensor, naming it', () => {
    expect(() => writeSafetensors({ object: { shape: [1], data: Float32Array.from([0.5]) } }, {}, { object: 'I32' })).toThrow(/object/);
  });
});
