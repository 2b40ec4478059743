import { afterAll, describe, expect, it } from 'vitest';
import { lastValueFrom, toArray } from 'rxjs';
import { pruneBatchFileResults } from '../src/node/index.js';
import { makeScene, sceneBytes, tempDir } from './helpers/scenes.js';

/**
 * Throughput at LLaVA size (N 576 = 24×24, D 4096, keep 64, default D2Pruner parameters) at
 * concurrency 1 and 2. Slow (≈ 75 MB of token files), so it runs only with PIPELINE_BENCH=1:
 *   cd packages/pipeline && PIPELINE_BENCH=1 npx vitest run test/throughput.test.ts
 */
const enabled = process.env.PIPELINE_BENCH === '1';
if (!enabled) console.log('throughput.test.ts: skipped (set PIPELINE_BENCH=1 to measure LLaVA-size throughput)');

describe.skipIf(!enabled)('throughput at LLaVA size', () => {
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());
  const FILES = 8;
  const ITEMS = Number(process.env.PIPELINE_BENCH_ITEMS ?? 48);

  it('concurrency 1 vs 2', async () => {
    for (let k = 0; k < FILES; k++) tmp.write(`llava-${k}.safetensors`, sceneBytes(makeScene({ rows: 24, cols: 24, d: 4096, seed: k + 1 })));
    const lines = Array.from({ length: ITEMS }, (_, i) => JSON.stringify({ input: `llava-${i % FILES}.safetensors`, method: 'd2pruner', keep: 64 }));
    const batch = tmp.write('batch.jsonl', lines.join('\n') + '\n');
    const rate = async (concurrency: number) => {
      const t0 = performance.now();
      const results = await lastValueFrom(pruneBatchFileResults(batch, { concurrency }).pipe(toArray()));
      const ms = performance.now() - t0;
      expect(results.filter((r) => r.error)).toEqual([]);
      const sel = results.map((r) => JSON.parse(r.text) as { timings: { totalMs: number; decodeMs: number; readMs: number } });
      const mean = (f: (t: { totalMs: number; decodeMs: number; readMs: number }) => number) => sel.reduce((a, s) => a + f(s.timings), 0) / sel.length;
      return { concurrency, itemsPerSec: (ITEMS * 1000) / ms, msPerItem: ms / ITEMS, methodMs: mean((t) => t.totalMs), readMs: mean((t) => t.readMs), decodeMs: mean((t) => t.decodeMs - t.readMs) };
    };
    await rate(1); // warm-up: JIT and page cache
    const rows = [];
    for (const c of [1, 2, 1, 2]) rows.push(await rate(c));
    for (const r of rows) {
      console.log(
        `N 576, D 4096, keep 64, concurrency ${r.concurrency}: ${r.itemsPerSec.toFixed(1)} items/s (${r.msPerItem.toFixed(1)} ms/item wall; per item: read ${r.readMs.toFixed(1)} ms, decode ${r.decodeMs.toFixed(1)} ms, d2pruner select ${r.methodMs.toFixed(1)} ms)`,
      );
    }
  });
});
