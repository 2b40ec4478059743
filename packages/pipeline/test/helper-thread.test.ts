import { availableParallelism } from 'node:os';
import { lastValueFrom, toArray } from 'rxjs';
import { afterAll, describe, expect, it } from 'vitest';
import { pruneBatchResults } from '../src/index.js';
import { helperThread, nodeReadFile } from '../src/node/index.js';
import { makeScene, sceneBytes, tempDir } from './helpers/scenes.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

/** CDPruner at a size where its float32 screen pays (N 2048, D 256, keep 200): the helper has work. */
const file = tmp.write('cdpruner.safetensors', sceneBytes(makeScene({ rows: 32, cols: 64, d: 256, seed: 4 })));
const line = JSON.stringify({ input: file, method: 'cdpruner', keep: 200 });

async function results(helper: ReturnType<typeof helperThread>, runs = 3): Promise<Record<string, unknown>[]> {
  const lines = await lastValueFrom(pruneBatchResults(Array(runs).fill(line), { readFile: nodeReadFile, resolvePath: (p) => p, helper }).pipe(toArray()));
  return lines.map((r) => JSON.parse(r.text) as Record<string, unknown>);
}

describe('helperThread (a second thread for requests on the main thread)', () => {
  it('is offered on the main thread of a machine with several cores, and is one handle per process', () => {
    if (availableParallelism() < 2) expect(helperThread()).toBeUndefined();
    else expect(helperThread()).toBe(helperThread());
  });

  it.skipIf(availableParallelism() < 2)('CDPruner requests with it: the selections of one thread, and the helper screens', async () => {
    const alone = await results(undefined, 1);
    expect((alone[0].timings as Record<string, number>).helperScreens).toBe(0);
    // the worker starts on the first request: later ones find it running (a loaded machine may need more)
    let screens = 0;
    for (let k = 0; k < 10 && screens === 0; k++) {
      const helped = await results(helperThread());
      for (const r of helped) expect(r.keep).toEqual(alone[0].keep);
      screens = Math.max(...helped.map((r) => (r.timings as Record<string, number>).helperScreens));
    }
    expect(screens).toBeGreaterThan(0);
  });
});
