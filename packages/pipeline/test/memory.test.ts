import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lastValueFrom, map, pipe, tap, toArray } from 'rxjs';
import { batchStages, type PruneJob } from '../src/index.js';
import { batchFileOptions, pruneBatchFile } from '../src/node/index.js';
import { makeScene, sceneBytes, tempDir } from './helpers/scenes.js';

const gc = (globalThis as { gc?: () => void }).gc;
const MB = 1024 * 1024;

/** Live heap in bytes: after a full collection when `--expose-gc` is on (vitest.config.ts), else as is. */
function liveHeap(): number {
  gc?.();
  return process.memoryUsage().heapUsed;
}

interface Measure {
  lines: number;
  peakDeltaMB: number;
  maxRssMB: number;
  ms: number;
}

describe('memory stays flat with the batch length', () => {
  const tmp = tempDir();
  const files = (n: number) => join(tmp.dir, `batch-${n}.jsonl`);

  beforeAll(() => {
    mkdirSync(join(tmp.dir, 's'));
    for (let k = 0; k < 100; k++) tmp.write(`s/${k}.safetensors`, sceneBytes(makeScene({ seed: k + 1, peak: k % 36 })));
    for (const n of [1000, 4000]) {
      const lines = Array.from({ length: n }, (_, i) => JSON.stringify({ input: `s/${i % 100}.safetensors`, keep: 4 + (i % 5) }));
      tmp.write(`batch-${n}.jsonl`, lines.join('\n') + '\n');
    }
  });
  afterAll(() => tmp.cleanup());

  async function measure(n: number, retain: boolean): Promise<Measure> {
    const base = liveHeap();
    let peak = base;
    let count = 0;
    const kept: unknown[] = [];
    const t0 = performance.now();
    const sample = () => {
      if (++count % 200 === 0) peak = Math.max(peak, liveHeap());
    };
    if (retain) {
      // control: a stage that leaks every decoded input (~5 KB each) must show up in the measure
      const options = { ...batchFileOptions(files(n)), concurrency: 4 };
      const leaky = pipe(batchStages(options), tap((job: PruneJob) => kept.push(job.input)));
      await lastValueFrom(pruneBatchFile(files(n), { ...options, stages: leaky }).pipe(tap(sample), map(() => 0), toArray()));
    } else {
      await lastValueFrom(pruneBatchFile(files(n), { concurrency: 4 }).pipe(tap(sample), map(() => 0), toArray()));
    }
    peak = Math.max(peak, liveHeap());
    const m = { lines: count, peakDeltaMB: (peak - base) / MB, maxRssMB: process.resourceUsage().maxRSS / 1024, ms: performance.now() - t0 };
    kept.length = 0;
    return m;
  }

  it('1,000 vs 4,000 requests: the live-heap peak does not grow with the length', async () => {
    await measure(1000, false); // warm up (JIT, module state)
    const small = await measure(1000, false);
    const large = await measure(4000, false);
    const control = await measure(4000, true);
    console.log(
      `memory (gc ${gc ? 'exposed' : 'NOT exposed: heap samples include garbage'}): ` +
        [small, large, control].map((m, k) => `${['1000', '4000', '4000 leaking inputs (control)'][k]}: peak live heap +${m.peakDeltaMB.toFixed(2)} MB, maxRSS ${m.maxRssMB.toFixed(0)} MB, ${m.ms.toFixed(0)} ms`).join('; '),
    );
    expect(small.lines).toBe(1000);
    expect(large.lines).toBe(4000);
    // proportional growth would make the 4,000 run's peak ~4× the 1,000 run's
    const bound = gc ? 1.5 * Math.max(small.peakDeltaMB, 0.5) + 1.5 : 2 * Math.max(small.peakDeltaMB, 0) + 32;
    expect(large.peakDeltaMB).toBeLessThan(bound);
    // the control proves the measure sees retention: holding 4,000 results grows the heap past the bound
    if (gc) expect(control.peakDeltaMB).toBeGreaterThan(bound);
  });
});
