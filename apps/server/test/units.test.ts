import { describe, expect, it } from 'vitest';
import { ConcurrencyGate, checkSafetensorsCaps, ndjsonLines, type NdjsonLine } from '../src/index.js';
import { writeSafetensors } from '@d2pruner/core';

async function collect(chunks: (string | Uint8Array)[], max: number): Promise<NdjsonLine[]> {
  const out: NdjsonLine[] = [];
  for await (const l of ndjsonLines(chunks, max)) out.push(l);
  return out;
}

describe('ndjsonLines', () => {
  it('splits across chunk boundaries, strips CR, drops blank lines but counts them', async () => {
    const got = await collect(['{"a":', '1}\r\n\n{"b"', ':2}\n{"c":3}'], 100);
    expect(got).toEqual([
      { line: 1, text: '{"a":1}' },
      { line: 3, text: '{"b":2}' },
      { line: 4, text: '{"c":3}' },
    ]);
  });

  it('reports a line above the cap without buffering it, then goes on', async () => {
    const got = await collect(['x'.repeat(30), 'y'.repeat(30), '\nok\n', 'z'.repeat(61)], 50);
    expect(got).toEqual([
      { line: 1, tooLarge: 60 },
      { line: 2, text: 'ok' },
      { line: 3, tooLarge: 61 },
    ]);
  });

  it('decodes UTF-8 split inside a character', async () => {
    const bytes = new TextEncoder().encode('{"s":"é"}\n');
    const got = await collect([bytes.subarray(0, 7), bytes.subarray(7)], 100);
    expect(got).toEqual([{ line: 1, text: '{"s":"é"}' }]);
  });
});

describe('ConcurrencyGate', () => {
  it('hands out at most `limit` slots, releases idempotently, and signals idleness', async () => {
    const g = new ConcurrencyGate(2);
    const a = g.tryAcquire()!;
    const b = g.tryAcquire()!;
    expect(g.tryAcquire()).toBeNull();
    let idle = false;
    const p = g.idle().then(() => (idle = true));
    a();
    a();
    expect(g.inFlight).toBe(1);
    expect(g.tryAcquire()).not.toBeNull();
    expect(g.inFlight).toBe(2);
    b();
    await Promise.resolve();
    expect(idle).toBe(false);
    expect(g.inFlight).toBe(1);
    expect(g.tryAcquire()).not.toBeNull();
    void p;
  });
});

describe('checkSafetensorsCaps', () => {
  it('reads shapes from the header only and names the tensor that is too large', () => {
    const file = writeSafetensors({ features: { shape: [10, 20], data: new Float32Array(200) }, attention: { shape: [2, 10], data: new Float32Array(20) } });
    expect(() => checkSafetensorsCaps(file, { maxElements: 200, maxTokens: 10 })).not.toThrow();
    expect(() => checkSafetensorsCaps(file, { maxElements: 199, maxTokens: 10 })).toThrow(expect.objectContaining({ code: 'PAYLOAD_TOO_LARGE', field: 'features' }));
    expect(() => checkSafetensorsCaps(file, { maxElements: 1000, maxTokens: 9 })).toThrow(expect.objectContaining({ code: 'PAYLOAD_TOO_LARGE', field: 'features' }));
    const headOnly = file.subarray(0, 8 + Number(new DataView(file.buffer, file.byteOffset).getBigUint64(0, true)));
    expect(() => checkSafetensorsCaps(headOnly, { maxElements: 199, maxTokens: 10 })).toThrow(expect.objectContaining({ field: 'features' }));
    expect(() => checkSafetensorsCaps(new Uint8Array(20), { maxElements: 1, maxTokens: 1 })).not.toThrow();
  });
});
