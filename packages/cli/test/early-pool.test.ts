import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSafetensors, writeSafetensors } from '@d2pruner/core';
import { WORKER_BACKENDS } from '@d2pruner/pipeline/node';
import { POOL_BACKENDS, poolWorkersFromArgs, closeStartedPool, prestartPool, takeStartedPool } from '../src/early-pool.js';
import { ROOT } from './helpers.js';

describe('the early worker pool of prune --batch, calibrate and eval', () => {
  it('reads the worker count the batch will use from the raw arguments', () => {
    const cores = availableParallelism();
    expect(poolWorkersFromArgs(['prune', '--batch', 'r.jsonl'])).toBe(cores);
    expect(poolWorkersFromArgs(['prune', '--batch=r.jsonl', '--workers', '3'])).toBe(3);
    expect(poolWorkersFromArgs(['prune', '--batch', '-', '--workers=1'])).toBe(1);
    expect(poolWorkersFromArgs(['prune', '--batch', 'r.jsonl', '--backend', 'cpu'])).toBe(cores);
    expect(poolWorkersFromArgs(['prune', '--batch', 'r.jsonl', '--backend=auto'])).toBe(cores);
    // no pool: main thread only, a GPU backend, another command, help, no batch, a value the command rejects
    expect(poolWorkersFromArgs(['prune', '--batch', 'r.jsonl', '--workers', '0'])).toBe(0);
    expect(poolWorkersFromArgs(['prune', '--batch', 'r.jsonl', '--backend', 'webgpu'])).toBe(0);
    expect(poolWorkersFromArgs(['calibrate', 'a.safetensors', '--out', 'p.safetensors'])).toBe(cores);
    expect(poolWorkersFromArgs(['calibrate', 'a.safetensors', '--workers', '3'])).toBe(3);
    expect(poolWorkersFromArgs(['calibrate', 'a.safetensors', '--workers', '0'])).toBe(0);
    expect(poolWorkersFromArgs(['eval', 'a.safetensors', '--workers=2'])).toBe(2);
    expect(poolWorkersFromArgs(['eval', 'a.safetensors'])).toBe(0);
    expect(poolWorkersFromArgs(['methods', '--workers', '2'])).toBe(0);
    expect(poolWorkersFromArgs(['prune', '--batch', 'r.jsonl', '--help'])).toBe(0);
    expect(poolWorkersFromArgs(['prune', 'a.safetensors', '--keep', '3'])).toBe(0);
    expect(poolWorkersFromArgs(['prune', '--batch', 'r.jsonl', '--workers', 'two'])).toBe(0);
    expect(poolWorkersFromArgs(['prune', '--batch', 'r.jsonl', '--workers', '1.5'])).toBe(0);
    expect(poolWorkersFromArgs(['prune', '--', '--batch', 'r.jsonl'])).toBe(0);
    expect(poolWorkersFromArgs([])).toBe(0);
  });

  it('knows the same worker backends as the pipeline', () => {
    expect([...POOL_BACKENDS].sort()).toEqual([...WORKER_BACKENDS].sort());
  });

  it('hands the started pool over only for the same worker count, once', async () => {
    await prestartPool(['prune', '--batch', 'r.jsonl', '--workers', '1']);
    expect(takeStartedPool(2)).toBeUndefined();
    const pool = takeStartedPool(1);
    expect(pool?.workers).toBe(1);
    expect(takeStartedPool(1)).toBeUndefined();
    try {
      await pool!.warm();
    } finally {
      await pool!.close();
    }
    await prestartPool(['prune', 'a.safetensors']);
    expect(takeStartedPool(availableParallelism())).toBeUndefined();
    await prestartPool(['prune', '--batch', 'r.jsonl', '--workers', '1']);
    await closeStartedPool();
    expect(takeStartedPool(1)).toBeUndefined();
    await closeStartedPool();
  });

  describe('through the binary', () => {
    const bin = join(ROOT, 'packages/cli/bin/d2pruner.js');
    const tmp = mkdtempSync(join(tmpdir(), 'd2pruner-early-'));
    const input = join(ROOT, 'fixtures/vectors/d2pruner/llava-7.safetensors');
    const run = (args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 60_000 });

    it('runs a batch on the early pool, a bad line in the middle answered in order', () => {
      const lines = join(tmp, 'r.jsonl');
      writeFileSync(lines, [{ input, keep: 8 }, { input: join(tmp, 'absent.safetensors'), keep: 8 }, { input, keep: 16 }].map((r) => JSON.stringify(r)).join('\n') + '\n');
      for (const workers of ['1', '2']) {
        const r = run(['prune', '--batch', lines, '--workers', workers]);
        expect(r.status).toBe(0);
        const out = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { keep?: number[]; error?: { field: string } });
        expect(out.map((o) => o.keep?.length ?? o.error?.field)).toEqual([8, 'input', 16]);
      }
    });

    it('calibrates on the early pool (the prior averages the inputs)', () => {
      const files = [1, 3].map((k) => {
        const f = join(tmp, `cal${k}.safetensors`);
        writeFileSync(f, writeSafetensors({ attention: { shape: [4], data: Float32Array.from([1, 2, 3, 4].map((v) => v * k)) } }));
        return f;
      });
      const prior = join(tmp, 'prior.safetensors');
      const r = run(['calibrate', ...files, '--out', prior, '--workers', '1']);
      expect(r.status).toBe(0);
      expect(Array.from(readSafetensors(readFileSync(prior)).get('prior')!.data)).toEqual([2, 4, 6, 8]);
    });

    it('exits with the usage error, not hanging on the started workers, when the command rejects its flags', () => {
      const r = run(['prune', '--batch', join(tmp, 'r.jsonl'), '--workers', '1', '--keep', '3']);
      expect(r.error).toBeUndefined();
      expect(r.status).toBe(2);
      expect(r.stderr).toContain('keep');
    });
  });
});
