// The machine's memory-copy bandwidth for one thread alone and for two threads at once: each
// thread copies a 64 MiB half of its own 128 MiB buffer onto the other half (far larger than
// the caches), and reports GB/s counting bytes read plus bytes written. Where two threads each
// get about half of what one gets alone, memory-bound work (file reads, row passes) cannot
// scale with threads. Used by bench-batch.mjs; run alone with `node tools/bench/bandwidth.mjs`.
import { resolve as resolvePath } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

const MIB = 1 << 20;

function copyLoop(mib, reps) {
  const n = mib * MIB;
  const buf = new Uint8Array(2 * n);
  buf.fill(1);
  for (let i = 0; i < 3; i++) buf.copyWithin(0, n, 2 * n);
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) buf.copyWithin(0, n, 2 * n);
  return (reps * 2 * n) / 1e6 / (performance.now() - t0);
}

/** GB/s of each of `threads` worker threads copying at the same time. */
export function copyBandwidth(threads, mib = 64, reps = 20) {
  return new Promise((resolve, reject) => {
    const out = [];
    for (let t = 0; t < threads; t++) {
      const w = new Worker(new URL(import.meta.url), { workerData: { mib, reps } });
      w.once('error', reject);
      w.once('message', (gbs) => {
        out.push(gbs);
        if (out.length === threads) resolve(out);
      });
    }
  });
}

if (!isMainThread && workerData) parentPort.postMessage(copyLoop(workerData.mib, workerData.reps));
else if (isMainThread && process.argv[1] && resolvePath(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const alone = await copyBandwidth(1);
  const two = await copyBandwidth(2);
  console.log(`memory copy: one thread ${alone[0].toFixed(1)} GB/s; two at once ${two.map((x) => x.toFixed(1)).join(' + ')} GB/s`);
}
