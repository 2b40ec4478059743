import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lastValueFrom, of } from 'rxjs';
import type { Matrix } from '@d2pruner/core';
import { SimdRowStore, wasmMemoryOf } from '@d2pruner/kernels';
import { createJob, decode, type LentBytes } from '../src/index.js';
import { pooledReadFile, ReadBufferPool } from '../src/node/index.js';
import { makeScene, sceneBytes, tempDir } from './helpers/scenes.js';

const MiB = 2 ** 20;

/** A safetensors file of BF16 tensors (each value's high 16 bits), header padded to 8 bytes. */
function bf16File(tensors: Record<string, [Float32Array, number[]]>): Uint8Array {
  const header: Record<string, unknown> = {};
  let at = 0;
  for (const [name, [data, shape]] of Object.entries(tensors)) {
    header[name] = { dtype: 'BF16', shape, data_offsets: [at, at + 2 * data.length] };
    at += 2 * data.length;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const out = new Uint8Array(8 + json.length + at);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(new TextEncoder().encode(json), 8);
  const halves = new Uint16Array(out.buffer, 8 + json.length, at / 2);
  let k = 0;
  for (const [data] of Object.values(tensors)) for (const bits of new Uint32Array(data.buffer, data.byteOffset, data.length)) halves[k++] = bits >>> 16;
  return out;
}

describe('ReadBufferPool', () => {
  it('lends a view of the asked size and lends the same buffer again once it is given back', () => {
    const pool = new ReadBufferPool({ create: (n) => new Uint8Array(n) });
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

  it('BF16 tensors decode into buffers of the same pool, all given back by release', async () => {
    const pool = new ReadBufferPool();
    const scene = makeScene({ seed: 4, peak: 11 });
    const bf16 = tmp.write('bf16.safetensors', bf16File({ features: [scene.features.data, [scene.features.rows, scene.features.cols]], attention: [scene.attention, [36]] }));
    const job = await lastValueFrom(of(createJob(bf16, 0)).pipe(decode({ readFile: pooledReadFile(pool) })));
    const { features, attention } = job.input as { features: { data: Float32Array }; attention: Float32Array };
    expect(wasmMemoryOf(features.data)).toBeDefined();
    expect(wasmMemoryOf(attention)).toBeDefined();
    expect(features.data.buffer).not.toBe(attention.buffer);
    const peak = Array.from(attention);
    expect(peak.indexOf(Math.max(...peak))).toBe(11);
    expect(pool.retainedBytes).toBe(0);
    job.release?.();
    expect(pool.retainedBytes).toBe(3 * MiB);
  });

  it('reads into WebAssembly memory by default: the SIMD kernels dot the F32 rows in place, with the same values', async () => {
    const scene = makeScene({ seed: 9, d: 64 });
    const path = tmp.write('wasm.safetensors', sceneBytes(scene));
    const job = await lastValueFrom(of(createJob(path, 0)).pipe(decode({ readFile: pooledReadFile() })));
    const features = job.input?.features as Matrix;
    expect(wasmMemoryOf(features.data)).toBeDefined();
    const inPlace = SimdRowStore.tryCreate(features.data, features.rows, features.cols)!;
    const copied = SimdRowStore.tryCreate(Float32Array.from(features.data), features.rows, features.cols)!.loadAll();
    expect(inPlace.inPlace).toBe(true);
    expect(copied.inPlace).toBe(false);
    const out = [new Float64Array(8), new Float64Array(8)];
    for (let i = 0; i < features.rows; i += 5) {
      for (let j = 0; j < features.rows; j += 7) expect(inPlace.dot(i, j)).toBe(copied.dot(i, j));
      inPlace.dotsRangeF32(i, 3, 8, out[0]);
      copied.dotsRangeF32(i, 3, 8, out[1]);
      expect(out[0]).toEqual(out[1]);
    }
    job.release?.();
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
