import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lastValueFrom, of } from 'rxjs';
import { createJob, decode, type LentBytes } from '../src/index.js';
import { pooledReadFile, ReadBufferPool } from '../src/node/index.js';
import { makeScene, sceneBytes, tempDir } from './helpers/scenes.js';

const MiB = 2 ** 20;

describe('ReadBufferPool', () => {
  it('lends a view of the asked size and lends the same buffer again once it is given back', () => {
    const pool = new ReadBufferPool();
    const a = pool.acquire(3 * MiB + 5);
    expect(a.byteLength).toBe(3 * MiB + 5);
    expect(a.buffer.byteLength).toBe(4 * MiB);
    const other = pool.acquire(100);
    expect(other.buffer).not.toBe(a.buffer);
    pool.release(a);
    expect(pool.retainedBytes).toBe(4 * MiB);
    const b = pool.acquire(3 * MiB);
    expect(b.buffer).toBe(a.buffer);
    expect(b.byteLength).toBe(3 * MiB);
    expect(pool.retainedBytes).toBe(0);
  });

  it('never lends a buffer too small, nor one over twice the size (plus a granule)', () => {
    const pool = new ReadBufferPool();
    const big = pool.acquire(8 * MiB);
    pool.release(big);
    expect(pool.acquire(9 * MiB).buffer).not.toBe(big.buffer);
    expect(pool.acquire(2 * MiB).buffer).not.toBe(big.buffer);
    expect(pool.acquire(4 * MiB).buffer).toBe(big.buffer);
  });

  it('keeps at most maxRetainedBytes, ignores a second release of the same buffer', () => {
    const pool = new ReadBufferPool({ maxRetainedBytes: 5 * MiB });
    const views = [pool.acquire(2 * MiB), pool.acquire(2 * MiB), pool.acquire(3 * MiB)];
    for (const v of views) pool.release(v);
    expect(pool.retainedBytes).toBeLessThanOrEqual(5 * MiB);
    expect(pool.retainedBytes).toBe(5 * MiB); // the 3 MiB one and one 2 MiB one
    pool.release(views[2]);
    expect(pool.retainedBytes).toBe(5 * MiB);
  });

  it('refuses bad options with a typed error naming the option', () => {
    expect(() => new ReadBufferPool({ granule: 0 })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', field: 'granule' }));
    expect(() => new ReadBufferPool({ maxRetainedBytes: -1 })).toThrow(expect.objectContaining({ field: 'maxRetainedBytes' }));
  });
});

describe('pooledReadFile', () => {
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());

  it('reads into a lent buffer; after release the next file reuses it and decodes correctly', async () => {
    const pool = new ReadBufferPool();
    const read = pooledReadFile(pool);
    const p1 = tmp.write('a.safetensors', sceneBytes(makeScene({ seed: 1, peak: 3 })));
    const p2 = tmp.write('b.safetensors', sceneBytes(makeScene({ seed: 2, peak: 30 })));
    const lent = (await read(p1, new AbortController().signal)) as LentBytes;
    expect(lent.bytes).toBeInstanceOf(Uint8Array);
    lent.release();
    lent.release();
    expect(pool.retainedBytes).toBe(MiB);
    const job1 = await lastValueFrom(of(createJob(p1, 0)).pipe(decode({ readFile: read })));
    expect(pool.retainedBytes).toBe(0);
    const peak1 = Array.from(job1.input?.attention as Float32Array);
    expect(peak1.indexOf(Math.max(...peak1))).toBe(3);
    job1.release?.();
    expect(pool.retainedBytes).toBe(MiB);
    const job2 = await lastValueFrom(of(createJob(p2, 1)).pipe(decode({ readFile: read })));
    expect(pool.retainedBytes).toBe(0);
    const peak2 = Array.from(job2.input?.attention as Float32Array);
    expect(peak2.indexOf(Math.max(...peak2))).toBe(30);
  });

  it('gives the buffer back when the file does not decode, and fails the job with a typed error', async () => {
    const pool = new ReadBufferPool();
    const bad = join(tmp.dir, 'bad.safetensors');
    writeFileSync(bad, Buffer.alloc(64, 7));
    const job = await lastValueFrom(of(createJob(bad, 0)).pipe(decode({ readFile: pooledReadFile(pool) })));
    expect(job.error).toMatchObject({ code: 'CORRUPT_FILE' });
    expect(pool.retainedBytes).toBe(MiB);
  });
});
