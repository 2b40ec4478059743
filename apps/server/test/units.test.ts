import { describe, expect, it } from 'vitest';
import { BodyBudget, ConcurrencyGate, LineOverBudgetError, checkSafetensorsCaps, ndjsonLines, type NdjsonLine } from '../src/index.js';
import { writeSafetensors } from '@d2pruner/core';
import { SEGMENT_BYTES } from '../src/input/line-segments.js';

async function collect(chunks: (string | Uint8Array)[], max: number, rawFrom?: number): Promise<NdjsonLine[]> {
  const out: NdjsonLine[] = [];
  for await (const l of ndjsonLines(chunks, max, undefined, { rawFrom })) out.push(l);
  return out;
}

/** A line yielded as parts, with its parts joined as text. */
const joined = (l: NdjsonLine) => ('parts' in l ? { line: l.line, joined: Buffer.concat(l.parts).toString('utf8'), bytes: l.bytes } : l);

describe('ndjsonLines', () => {
  it('splits across chunk boundaries, strips CR, drops blank lines but counts them', async () => {
    const got = await collect(['{"a":', '1}\r\n\n{"b"', ':2}\n{"c":3}'], 100);
    expect(got).toEqual([
      { line: 1, text: '{"a":1}', bytes: 8 },
      { line: 3, text: '{"b":2}', bytes: 7 },
      { line: 4, text: '{"c":3}', bytes: 7 },
    ]);
  });

  it('reports a line above the cap without buffering it, then goes on', async () => {
    const got = await collect(['x'.repeat(30), 'y'.repeat(30), '\nok\n', 'z'.repeat(61)], 50);
    expect(got).toEqual([
      { line: 1, tooLarge: 60 },
      { line: 2, text: 'ok', bytes: 2 },
      { line: 3, tooLarge: 61 },
    ]);
  });

  it('decodes UTF-8 split inside a character', async () => {
    const bytes = new TextEncoder().encode('{"s":"é"}\n');
    const got = await collect([bytes.subarray(0, 7), bytes.subarray(7)], 100);
    expect(got).toEqual([{ line: 1, text: '{"s":"é"}', bytes: 10 }]);
  });

  it('yields lines of rawFrom bytes or more undecoded, in buffers of their own past segment boundaries; strips CR; a long blank line is dropped', async () => {
    const long = `{"s":"${'é'.repeat(SEGMENT_BYTES / 2)}x"}`;
    const bytes = new TextEncoder().encode(`{"a":1}\n${long}\r\n${' '.repeat(3000)}\n{"b":2}\n`);
    // chunks of 1000 bytes: the long line starts mid-chunk, and é is split between chunks
    const chunks = Array.from({ length: Math.ceil(bytes.length / 1000) }, (_, i) => bytes.subarray(i * 1000, (i + 1) * 1000));
    const got = await collect(chunks, 1 << 30, 2000);
    expect(got.map(joined)).toEqual([
      { line: 1, text: '{"a":1}', bytes: 7 },
      { line: 2, joined: long, bytes: Buffer.byteLength(long) + 1 },
      { line: 4, text: '{"b":2}', bytes: 7 },
    ]);
    const parts = (got[1] as { parts: Uint8Array[] }).parts;
    expect(parts.length).toBe(2);
    // none is a view into a chunk: each part's buffer is the line's own, so it can move to a thread
    for (const p of parts) expect(p.buffer.byteLength).toBe(SEGMENT_BYTES);
    expect(chunks.some((c) => c.buffer === parts[0].buffer)).toBe(false);
    // without rawFrom the same line is text
    expect((await collect(chunks, 1 << 30)).map(joined)[1]).toEqual({ line: 2, text: long, bytes: Buffer.byteLength(long) + 1 });
  });

  it('counts each line against a budget as it is buffered, gives back blank, skipped and unfinished lines, and fails naming the line that does not fit', async () => {
    const budget = new BodyBudget(100);
    const hold = budget.hold();
    const lines = ndjsonLines(['{"a":1}\n   \n', 'x'.repeat(60), '\n{"b":', '2}\n', 'y'.repeat(40)], 50, hold);
    const first = await lines.next();
    expect(first.value).toEqual({ line: 1, text: '{"a":1}', bytes: 7 });
    expect(budget.held).toBe(7);
    const second = await lines.next();
    // the blank line and the skipped one hold nothing
    expect(second.value).toEqual({ line: 3, tooLarge: 60 });
    expect(budget.held).toBe(7);
    const third = await lines.next();
    expect(third.value).toEqual({ line: 4, text: '{"b":2}', bytes: 7 });
    expect(budget.held).toBe(14);
    hold.give(7);
    hold.give(7);
    // another request holds 70 of the 100 bytes: a 40-byte line does not fit
    const partial = ndjsonLines(['z'.repeat(40)], 50, hold);
    const other = budget.hold();
    other.take(70);
    await expect(partial.next()).rejects.toSatisfy((e: unknown) => e instanceof LineOverBudgetError && e.line === 1 && e.code === 'OVERLOADED' && e.field === 'body');
    expect(budget.held).toBe(70);
    other.release();
    // the body fails part-way through a line: that line's 30 bytes go back, the finished line's stay
    async function* broken(): AsyncGenerator<string> {
      yield 'ok\n';
      yield 'w'.repeat(30);
      throw new Error('reset');
    }
    const unfinished = ndjsonLines(broken(), 50, hold);
    expect((await unfinished.next()).value).toEqual({ line: 1, text: 'ok', bytes: 2 });
    await expect(unfinished.next()).rejects.toThrow('reset');
    expect(budget.held).toBe(2);
    await lines.return(undefined);
    hold.release();
    expect(budget.held).toBe(0);
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
