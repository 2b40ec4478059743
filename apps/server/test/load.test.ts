import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatLoadReport, runLoad, spawnServer } from '../src/load/run.js';
import { ROOT } from './helpers.js';

const MAIN = resolve(ROOT, 'apps/server/dist/main.js');
const SECONDS = Number(process.env.LOAD_TEST_SECONDS ?? 5);

describe('load (autocannon, loopback)', () => {
  it(`32 connections × ${SECONDS} s of LLaVA-size inputs: only 200 and deliberate 503, memory stable`, { timeout: 120_000 }, async () => {
    if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: build the server first`);
    const server = await spawnServer(MAIN, ['--web-dir', 'none', '--backend', 'cpu']);
    try {
      // warm-up: the worker pool, its transfer buffers and the socket buffers reach their steady
      // size in the first seconds of load; the floors below compare the measured run's thirds
      await runLoad({ url: server.url, connections: 32, durationS: 2, sampleMs: 250 });
      const r = await runLoad({ url: server.url, connections: 32, durationS: SECONDS, sampleMs: 250 });
      console.log(formatLoadReport(r));
      expect(r.errors).toBe(0);
      expect(r.timeouts).toBe(0);
      expect(Object.keys(r.statusCounts).filter((s) => s !== '200' && s !== '503')).toEqual([]);
      expect(r.unexpected).toBe(0);
      expect(r.ok).toBeGreaterThan(0);
      // A leak of request bodies (9 MB each) or decoded inputs would lift these floors by
      // gigabytes over the run (~300 requests); a stable server keeps them within noise, which for
      // the external floor is up to ~100 MB here (the 9 MB bodies of 32 connections in flight when
      // a third's samples happen to be taken), so the bound is 200 MB.
      expect(r.memory.heapFloorLastMb - r.memory.heapFloorFirstMb).toBeLessThan(16);
      expect(r.memory.externalFloorLastMb - r.memory.externalFloorFirstMb).toBeLessThan(200);
      expect(r.memory.rssMaxMb).toBeLessThan(1536);
      const health = await fetch(`${server.url}/healthz`);
      expect(health.status).toBe(200);
      expect(((await health.json()) as { inFlight: number }).inFlight).toBe(0);
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });
});
