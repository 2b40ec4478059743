import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { poolWorkersFromArgs } from '../src/early-pool.js';
import { MAX_WORKERS } from '../src/worker-limit.js';
import { resolveWorkers } from '../src/workers.js';
import { runCli } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'd2pruner-workers-cap-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('--workers is bounded by 256 everywhere', () => {
  it('the bound is 256, and resolveWorkers and the early pool agree on it', () => {
    expect(MAX_WORKERS).toBe(256);
    expect(resolveWorkers(256, undefined)).toBe(256);
    expect(() => resolveWorkers(257, undefined)).toThrow(/\[0, 256\]/);
    expect(poolWorkersFromArgs(['prune', '--batch', 'r.jsonl', '--workers', '256'])).toBe(256);
    expect(poolWorkersFromArgs(['prune', '--batch', 'r.jsonl', '--workers', '257'])).toBe(0);
  });

  it('prune --batch, calibrate and eval refuse --workers over 256 with exit 2 naming workers, before starting a pool', async () => {
    const jsonl = join(tmp, 'r.jsonl');
    writeFileSync(jsonl, '');
    const cases = [
      ['prune', '--batch', jsonl, '--workers', '257'],
      ['calibrate', 'a.safetensors', '--out', join(tmp, 'p.safetensors'), '--workers', '257'],
      ['eval', 'a.safetensors', '--workers', '1000'],
      ['eval', 'a.safetensors', '--workers', '257'],
    ];
    for (const argv of cases) {
      const r = await runCli(argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.err, argv.join(' ')).toMatch(/^d2pruner: error \[INVALID_ARGUMENT\] workers: .*256/);
    }
  });

  it('the limit is in the help', async () => {
    for (const command of ['prune', 'calibrate', 'eval']) expect((await runCli([command, '--help'])).out, command).toContain('at most 256');
  });
});
