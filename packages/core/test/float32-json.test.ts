import { describe, expect, it } from 'vitest';
import { float32ArrayJson, FLOAT32_JSON_MAX_BYTES, resultJson, resultJsonPayload, uniformRng, writeFloat32 } from '../src/index.js';

const JSON_NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]\d+)?$/;

function text(v: number): string {
  const out = new Uint8Array(32);
  const end = writeFloat32(v, out, 3);
  return String.fromCharCode(...out.subarray(3, end));
}

describe('writeFloat32', () => {
  it('identifies every float32 value it writes: random bit patterns of every exponent, subnormals and the extremes', () => {
    const rand = uniformRng(7);
    const f = new Float32Array(1);
    const u = new Uint32Array(f.buffer);
    const values: number[] = [2 ** -149, 2 ** -126, 3.4028234663852886e38, 1, 0.1, 1e-7, 1e21, 123456789, 999999999, 9.99999944e-8].map(Math.fround);
    for (let i = 0; i < 200_000; i++) {
      u[0] = Math.floor(rand() * 2 ** 32) >>> 0;
      if (Number.isFinite(f[0])) values.push(f[0]);
    }
    for (let e = -45; e <= 38; e++) values.push(...[10 ** e, 9.999999 * 10 ** e, 1.0000001 * 10 ** e].map(Math.fround).filter(Number.isFinite));
    let bad = 0;
    for (const v of values) {
      const t = text(v);
      if (!JSON_NUMBER.test(t) || Math.fround(Number(t)) !== v || t.length > FLOAT32_JSON_MAX_BYTES || t.replace(/^-|e.*$|\./g, '').replace(/^0+|0+$/g, '').length > 9) {
        if (bad++ < 5) expect.soft(t, `value ${v}`).toBe('a JSON number of ≤ 9 significant digits naming it');
      }
    }
    expect(bad).toBe(0);
  });

  it('writes JavaScript number notation: plain from 1e-6 to below 1e21, else d.ddde±x; 0 for ±0; trailing zeros dropped', () => {
    expect(text(0)).toBe('0');
    expect(text(-0)).toBe('0');
    expect(text(0.5)).toBe('0.5');
    expect(text(-1.5)).toBe('-1.5');
    expect(text(100)).toBe('100');
    expect(text(16777216)).toBe('16777216');
    expect(text(Math.fround(0.1))).toBe('0.100000001');
    expect(text(Math.fround(1e-7))).toBe('1.00000001e-7');
    expect(text(Math.fround(1e-6))).toBe('9.99999997e-7');
    expect(text(NaN)).toBe('null');
    expect(text(-Infinity)).toBe('null');
    expect(text(Math.fround(2e-6))).toBe('0.00000199999999');
    expect(text(Math.fround(1e20))).toBe('100000002000000000000');
    expect(text(Math.fround(1e21))).toBe('1.00000002e+21');
    expect(text(2 ** -149)).toBe('1.40129846e-45');
    expect(text(Math.fround(-3e38))).toBe('-3.00000001e+38');
    expect(text(4)).toBe('4');
    expect(text(Math.fround(123.25))).toBe('123.25');
  });
});

describe('float32ArrayJson', () => {
  it('is a JSON array: float32 values in at most 9 digits, other numbers as JSON.stringify writes them, null for non-finite', () => {
    const values = [Math.fround(0.1), 0.1, 1 / 3, NaN, -Infinity, 2, -0];
    const t = float32ArrayJson(values);
    expect(t).toBe('[0.100000001,0.1,0.3333333333333333,null,null,2,0]');
    expect(float32ArrayJson([])).toBe('[]');
    expect(float32ArrayJson(new Float32Array([1.5, -2.25]))).toBe('[1.5,-2.25]');
    const mixed = [1.5, 'a', null, { b: 2 }, Math.fround(0.1)] as unknown as number[];
    expect(float32ArrayJson(mixed)).toBe(JSON.stringify(mixed));
  });

  it('grows its scratch for long arrays (300,000 values) and keeps every value', () => {
    const rand = uniformRng(3);
    const values = Float32Array.from({ length: 300_000 }, () => (rand() - 0.5) * 10 ** Math.floor(rand() * 10 - 5));
    const back = JSON.parse(float32ArrayJson(values)) as number[];
    expect(back).toHaveLength(values.length);
    expect(Float32Array.from(back)).toEqual(values);
  });
});

describe('resultJson', () => {
  it('is JSON.stringify for results without merged rows (key order, undefined fields left out)', () => {
    const body = { id: 'a"b', method: 'd2pruner', keep: [1, 2], skip: undefined, timings: { totalMs: 0.1 }, line: 3 };
    expect(resultJson(body)).toBe(JSON.stringify(body));
    const empty = { method: 'visionzip', keep: [], merged: [], line: 1 };
    expect(resultJson(empty)).toBe(JSON.stringify(empty));
  });

  it('writes merged rows as float32 values; every other field, and the key order, as JSON.stringify', () => {
    const row = [Math.fround(0.1), Math.fround(-2.5), 3];
    const body = { id: 7, method: 'visionzip', keep: [0, 4], dominant: [0], merged: [{ index: 4, members: [1, 4], row, extra: undefined }], backend: 'cpu', timings: { totalMs: 1 }, line: 2 };
    const t = resultJson(body);
    expect(t).toBe('{"id":7,"method":"visionzip","keep":[0,4],"dominant":[0],"merged":[{"index":4,"members":[1,4],"row":[0.100000001,-2.5,3]}],"backend":"cpu","timings":{"totalMs":1},"line":2}');
    const parsed = JSON.parse(t) as typeof body;
    expect(parsed.merged[0].row.map(Math.fround)).toEqual(row);
    const { merged: _m, ...rest } = parsed;
    const { merged: _n, ...restBody } = body;
    expect(rest).toEqual(JSON.parse(JSON.stringify(restBody)));
  });

  it('writes long lines (a row of 200,000 values) and non-ASCII text whole, in one flat string, line after line', () => {
    const rand = uniformRng(9);
    for (const n of [200_000, 3, 70_000]) {
      const row = Array.from({ length: n }, () => Math.fround((rand() - 0.5) * 10 ** Math.floor(rand() * 10 - 5)));
      const body = { id: 'é"\u2028😀', method: 'visionzip', merged: [{ index: 2, members: [2], row }, { members: [], index: 3, row: [1] }], note: 'ü', line: n };
      const parsed = JSON.parse(resultJson(body)) as typeof body;
      expect(parsed.merged[0].row.length).toBe(n);
      expect(Float32Array.from(parsed.merged[0].row)).toEqual(Float32Array.from(row));
      expect({ ...parsed, merged: null }).toEqual({ ...body, merged: null });
      expect(parsed.merged[1]).toEqual({ members: [], index: 3, row: [1] });
    }
  });

  it('leaves entries it does not recognise to JSON.stringify', () => {
    const body = { merged: [null, { index: 1, row: 'x' }, { index: 2, row: [1, 'a'] }, [1]] };
    expect(resultJson(body)).toBe(JSON.stringify(body));
  });
});

describe('resultJsonPayload', () => {
  it('is the string resultJson returns for lines without merged rows to write', () => {
    for (const body of [{ method: 'd2pruner', keep: [1, 2], line: 3 }, { method: 'visionzip', keep: [], merged: [], line: 1 }]) {
      const payload = resultJsonPayload(body);
      expect(typeof payload).toBe('string');
      expect(payload).toBe(JSON.stringify(body));
    }
  });

  it('is, for lines with merged rows, the UTF-8 bytes of what resultJson writes, each line in an array of its own', () => {
    const rand = uniformRng(4);
    const lines = [120_000, 5].map((n) => ({
      id: 'é"\u2028😀',
      method: 'visionzip',
      merged: [{ index: 2, members: [2, 9], row: Array.from({ length: n }, () => Math.fround((rand() - 0.5) * 10 ** Math.floor(rand() * 12 - 6))) }],
      line: n,
    }));
    const payloads = lines.map((body) => resultJsonPayload(body));
    const decoder = new TextDecoder();
    payloads.forEach((payload, k) => {
      expect(payload).toBeInstanceOf(Uint8Array);
      const bytes = payload as Uint8Array;
      expect(bytes.byteOffset).toBe(0);
      expect(bytes.buffer.byteLength).toBe(bytes.length);
      expect(decoder.decode(bytes)).toBe(resultJson(lines[k]));
    });
  });
});

