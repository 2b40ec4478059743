import { resolve } from 'node:path';
import { lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { createPrunePool, pruneBatchInPool } from '../src/node/index.js';

/* A pool whose workers cannot start (here: a heap limit too small to load the modules) answers every call with a typed error instead of hanging. */

const SAMPLE = resolve(import.meta.dirname, '../../../fixtures/samples/llava-sample.safetensors');

describe('PrunePool whose workers die while starting', () => {
  it('answers every batch line and every later call with BACKEND_UNAVAILABLE naming workers, and closes', { timeout: 60_000 }, async () => {
    const pool = createPrunePool({ workers: 1, resourceLimits: { maxOldGenerationSizeMb: 1, maxYoungGenerationSizeMb: 1 } });
    try {
      const lines = [JSON.stringify({ input: SAMPLE, keep: 64 }), JSON.stringify({ id: 'b', input: SAMPLE, keep: 32 })];
      const results = await lastValueFrom(pruneBatchInPool(lines, { pool }).pipe(toArray()));
      expect(results.map((r) => [r.line, r.error?.code, r.error?.field])).toEqual([
        [1, 'BACKEND_UNAVAILABLE', 'workers'],
        [2, 'BACKEND_UNAVAILABLE', 'workers'],
      ]);
      expect(results[0].error?.message).toMatch(/could not start/);
      const later = await pool.prune({ input: SAMPLE, keep: 8 });
      expect(later.error).toMatchObject({ code: 'BACKEND_UNAVAILABLE', field: 'workers' });
      await pool.warm();
    } finally {
      await pool.close();
    }
  });
});
