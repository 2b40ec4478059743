// Throughput of `d2pruner prune --batch` on LLaVA-size inputs (N 576, D 4096, keep 64) at
// concurrency 1 and 2, as whole-process wall time (process start included). Run with
// `npm run bench:batch` (builds first). Env: BENCH_ITEMS (default 64), BENCH_REPS (default 3).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { layoutToJson, writeSafetensors } from '@d2pruner/core';
import { llavaScene } from './scene.mjs';
import { median, row } from './stats.mjs';

const ITEMS = Number(process.env.BENCH_ITEMS ?? 64);
const REPS = Number(process.env.BENCH_REPS ?? 3);
const FILES = 8;
const bin = fileURLToPath(new URL('../../packages/cli/bin/d2pruner.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'd2pruner-bench-batch-'));
try {
  for (let k = 0; k < FILES; k++) {
    const s = llavaScene(4096, k + 1);
    const bytes = writeSafetensors(
      { features: { shape: [576, 4096], data: s.features.data }, attention: { shape: [576], data: s.attention }, prior: { shape: [576], data: s.prior } },
      { 'd2pruner.layout': JSON.stringify(layoutToJson(s.layout)) },
    );
    writeFileSync(join(dir, `llava-${k}.safetensors`), bytes);
  }
  const jsonl = join(dir, 'batch.jsonl');
  writeFileSync(jsonl, Array.from({ length: ITEMS }, (_, i) => JSON.stringify({ input: `llava-${i % FILES}.safetensors`, keep: 64 })).join('\n') + '\n');
  console.log(`d2pruner prune --batch: ${ITEMS} LLaVA-size requests (9.4 MB files, D2Pruner keep 64), median of ${REPS} runs, Node ${process.version}`);
  const widths = [12, 10, 10, 10];
  console.log(row(['concurrency', 'wall ms', 'items/s', 'vs c=1'], widths));
  let base;
  for (const c of [1, 2]) {
    const ms = [];
    for (let r = 0; r < REPS; r++) {
      const t0 = performance.now();
      const p = spawnSync(process.execPath, [bin, 'prune', '--batch', jsonl, '--concurrency', String(c)], { encoding: 'utf8', maxBuffer: 1 << 28 });
      ms.push(performance.now() - t0);
      if (p.status !== 0 || p.stdout.trim().split('\n').length !== ITEMS || p.stdout.includes('"error"')) throw new Error(`batch failed: ${p.stderr}`);
    }
    const m = median(ms);
    base ??= m;
    console.log(row([c, m.toFixed(0), ((ITEMS * 1000) / m).toFixed(1), `${(base / m).toFixed(2)}×`], widths));
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
