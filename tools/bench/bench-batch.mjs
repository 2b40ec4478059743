// Throughput of `d2pruner prune --batch` on realistic files (reading included, process start
// included): LLaVA-1.5 576×4096 (keep 64 α 1, keep 128 α 0.5) and InternVL-2.5 13 tiles
// 3328×1024 (keep 333 α 1 / α 0.5), scenes with large similar regions (many MIS rounds at α 1),
// with the requests on the main thread (--workers 0) and on 1 and 2 worker threads: the whole
// process, and its steady rate read from the times its result lines arrive (past the first
// quarter, once process and worker start are behind it), the CPU time of all the process's
// threads (cpu-report.mjs, preloaded), and the requests' warm-up (their own time over the first
// 48 lines against later ones); then the steady state in process (a
// pool warmed by one untimed pass, no process or worker start; one request per hand-over with
// `pruneInPool`, and the lines in groups with `pruneBatchInPool` as the CLI does), with the CPU
// seconds the process got — on a shared machine the ratio is bounded by the CPU it is given —
// and each request kind's method time and file time (read + decode) alone (1 worker) and beside
// another worker (2 workers);
// then the same batch split over two separate 1-worker processes run side by side; last, the
// machine's memory-copy bandwidth for one thread and for two at once (what memory-bound stages
// such as file reads can gain from a second thread).
// Run with `npm run bench:batch` (builds first). Env: BENCH_ITEMS (default 576; process and
// worker start are a fixed cost, so longer batches scale better), BENCH_REPS (default 3).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { layoutToJson, writeSafetensors } from '@d2pruner/core';
import { createPrunePool, pruneBatchInPool, pruneInPool } from '@d2pruner/pipeline/node';
import { from, lastValueFrom, toArray } from 'rxjs';
import { scene, tiledLayout } from './scene.mjs';
import { copyBandwidth } from './bandwidth.mjs';
import { cpuFromStderr } from './cpu-report.mjs';
import { median, row } from './stats.mjs';

const ITEMS = Number(process.env.BENCH_ITEMS ?? 576);
const REPS = Number(process.env.BENCH_REPS ?? 3);
const SEEDS = 4;
/** Result lines before this one count as start-up for the steady rate. */
const STEADY_FROM = Math.floor(ITEMS / 4);
/** Result lines per block of the warm-up table (the first block against the blocks past STEADY_FROM). */
const WARM_LINES = 48;
const bin = fileURLToPath(new URL('../../packages/cli/bin/d2pruner.js', import.meta.url));
/** Preloaded into each batch process: reports the process's CPU time when it exits. */
const cpuReport = new URL('./cpu-report-preload.mjs', import.meta.url).href;
const dir = mkdtempSync(join(tmpdir(), 'd2pruner-bench-batch-'));

/** Scenes with regions of 8×8 (LLaVA) or a whole 16×16 tile (InternVL) of similar tokens. */
const MODELS = [
  { name: 'llava', layout: tiledLayout(1, 1, 24, false), d: 4096, block: 8, requests: [{ keep: 64 }, { keep: 128, params: { alpha: 0.5 } }] },
  { name: 'internvl', layout: tiledLayout(3, 4, 16, true), d: 1024, block: 16, requests: [{ keep: 333 }, { keep: 333, params: { alpha: 0.5 } }] },
];

function writeScenes() {
  for (const m of MODELS) {
    for (let k = 0; k < SEEDS; k++) {
      const s = scene({ layout: m.layout, d: m.d, seed: k + 1, block: m.block, objects: 3 });
      const n = m.layout.frame.length;
      const bytes = writeSafetensors(
        { features: { shape: [n, m.d], data: s.features.data }, attention: { shape: [n], data: s.attention }, prior: { shape: [n], data: s.prior } },
        { 'd2pruner.layout': JSON.stringify(layoutToJson(m.layout)) },
      );
      writeFileSync(join(dir, `${m.name}-${k}.safetensors`), bytes);
    }
  }
}

function batchRequests() {
  const kinds = MODELS.flatMap((m) => m.requests.map((r) => ({ model: m.name, ...r })));
  return Array.from({ length: ITEMS }, (_, i) => {
    const { model, ...r } = kinds[i % kinds.length];
    return { input: `${model}-${Math.floor(i / kinds.length) % SEEDS}.safetensors`, ...r };
  });
}

/** A request's kind for the per-kind table: model, keep and α. */
function requestKind(r) {
  return `${r.input.includes('internvl') ? 'InternVL' : 'LLaVA'} keep ${r.keep} α ${r.params?.alpha ?? 1}`;
}

/**
 * Wall ms and CPU seconds of the whole batch through a pool of `workers` threads warmed by one
 * untimed pass (JIT, WebAssembly, memory pools): one request per hand-over (`pruneInPool`, what
 * an evaluation loop uses), then the batch's lines in groups (`pruneBatchInPool`, what
 * `prune --batch` uses).
 */
async function steadyState(workers) {
  const pool = createPrunePool({ workers });
  try {
    await pool.warm();
    const requests = batchRequests().map((r) => ({ ...r, input: join(dir, r.input) }));
    await lastValueFrom(from(requests).pipe(pruneInPool(pool, { concurrency: 2 * workers }), toArray()));
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const jobs = await lastValueFrom(from(requests).pipe(pruneInPool(pool, { concurrency: 2 * workers }), toArray()));
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(c0);
    if (jobs.some((j) => j.error)) throw new Error(`pool batch failed: ${JSON.stringify(jobs.find((j) => j.error).error)}`);
    const method = new Map();
    const file = new Map();
    jobs.forEach((j, i) => {
      const kind = requestKind(requests[i]);
      method.set(kind, [...(method.get(kind) ?? []), j.selection.timings.totalMs]);
      file.set(kind, [...(file.get(kind) ?? []), j.timings.decodeMs]);
    });
    const lines = requests.map((r) => JSON.stringify(r));
    const l0 = process.cpuUsage();
    const t1 = performance.now();
    const results = await lastValueFrom(pruneBatchInPool(lines, { pool }).pipe(toArray()));
    const linesMs = performance.now() - t1;
    const lcpu = process.cpuUsage(l0);
    if (results.some((r) => r.error)) throw new Error(`grouped batch failed: ${results.find((r) => r.error).text}`);
    const lineKeeps = results.map((r) => JSON.stringify(JSON.parse(r.text).keep)).join('\n');
    return { ms, cpuS: (cpu.user + cpu.system) / 1e6, linesMs, linesCpuS: (lcpu.user + lcpu.system) / 1e6, keeps: jobs.map((j) => JSON.stringify(j.selection.keep)).join('\n'), lineKeeps, method, file };
  } finally {
    await pool.close();
  }
}

/**
 * One `prune --batch FILE --workers w` process: wall ms from spawn to exit, ms to the first
 * result line, the items/s between result line {@link STEADY_FROM} and the last, and the kept
 * indices of every line (to check that every configuration selects the same tokens).
 */
function cliRun(file, workers) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const p = spawn(process.execPath, ['--import', cpuReport, bin, 'prune', '--batch', file, '--workers', String(workers)], { stdio: ['ignore', 'pipe', 'pipe'] });
    const at = [];
    const keeps = [];
    /** Per result line: its request's stage time (read + decode + method), from its timings. */
    const stageMs = [];
    let buf = '';
    let err = '';
    p.stdout.setEncoding('utf8');
    p.stdout.on('data', (d) => {
      const now = performance.now() - t0;
      buf += d;
      let k;
      while ((k = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, k);
        buf = buf.slice(k + 1);
        at.push(now);
        const parsed = JSON.parse(line);
        keeps.push(JSON.stringify(parsed.keep ?? line));
        stageMs.push((parsed.timings?.decodeMs ?? 0) + (parsed.timings?.pruneMs ?? 0));
      }
    });
    p.stderr.on('data', (d) => (err += d));
    p.on('error', reject);
    p.on('exit', (code) => {
      const ms = performance.now() - t0;
      const text = keeps.join('\n');
      if (code !== 0 || at.length !== ITEMS || text.includes('"error"')) return reject(new Error(`batch --workers ${workers} failed: ${err}`));
      const sum = (xs) => xs.reduce((x, y) => x + y, 0);
      const later = stageMs.slice(STEADY_FROM);
      const warm = { first: sum(stageMs.slice(0, WARM_LINES)), later: (sum(later) * WARM_LINES) / Math.max(1, later.length) };
      const cpu = cpuFromStderr(err);
      if (!cpu) return reject(new Error(`batch --workers ${workers} reported no CPU time: ${err}`));
      resolve({ ms, first: at[0], rate: ((at.length - 1 - STEADY_FROM) * 1000) / (at[at.length - 1] - at[STEADY_FROM]), keeps: text, warm, ...cpu });
    });
  });
}

/** Wall ms of one `prune --batch … --workers 1` process per file in `files`, all run side by side. */
async function sideBySide(files) {
  const t0 = performance.now();
  const one = (file) =>
    new Promise((resolve, reject) => {
      const p = spawn(process.execPath, [bin, 'prune', '--batch', file, '--workers', '1'], { stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      p.stderr.on('data', (d) => (err += d));
      p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`batch failed: ${err}`))));
    });
  await Promise.all(files.map(one));
  return performance.now() - t0;
}

try {
  writeScenes();
  const jsonl = join(dir, 'batch.jsonl');
  writeFileSync(jsonl, batchRequests().map((r) => JSON.stringify(r)).join('\n') + '\n');
  console.log(`d2pruner prune --batch: ${ITEMS} requests (LLaVA 576×4096 keep 64 α 1 / keep 128 α 0.5, InternVL 3328×1024 keep 333 α 1 / α 0.5; 9.4 / 13.6 MB files), median of ${REPS} runs, process start included, Node ${process.version}`);
  console.log(`whole process: wall ms and items/s from spawn to exit; first: ms to the first result line; steady: items/s from result line ${STEADY_FROM} to the last (the rate a longer batch keeps once process and worker start are behind it)`);
  const widths = [10, 9, 9, 12, 9, 10, 12];
  console.log(row(['workers', 'wall ms', 'items/s', 'vs 1 worker', 'first', 'steady/s', 'vs 1 worker'], widths));
  const results = new Map();
  const configs = [0, 1, 2];
  const runs = new Map(configs.map((w) => [w, []]));
  for (let r = 0; r < REPS; r++) {
    for (const w of configs) {
      const run = await cliRun(jsonl, w);
      runs.get(w).push(run);
      if (results.has('keep') && results.get('keep') !== run.keeps) throw new Error(`--workers ${w} selected other tokens than another run`);
      results.set('keep', run.keeps);
    }
  }
  const base = median(runs.get(1).map((x) => x.ms));
  const baseRate = median(runs.get(1).map((x) => x.rate));
  for (const w of configs) {
    const m = median(runs.get(w).map((x) => x.ms));
    const rate = median(runs.get(w).map((x) => x.rate));
    const first = median(runs.get(w).map((x) => x.first));
    console.log(row([w === 0 ? '0 (main)' : w, m.toFixed(0), ((ITEMS * 1000) / m).toFixed(1), `${(base / m).toFixed(2)}×`, first.toFixed(0), rate.toFixed(1), `${(rate / baseRate).toFixed(2)}×`], widths));
  }
  // Where the whole-process ratio goes: a 1-worker process runs its main thread, V8's compiler and
  // GC threads and the kernel's reads beside the worker on the idle second core, so its wall time
  // is about the worker's CPU time; with 2 workers everything shares the 2 cores, and the ratio
  // is at most 2 × (1-worker CPU) / (2-worker CPU) — below 2 by whatever the second worker adds.
  console.log('CPU: seconds of CPU the whole process used (every thread: main, workers, V8 compiler and GC threads, and the kernel time of its reads), the cores it kept busy (CPU / wall), and that CPU against 1 worker\'s');
  const cw = [10, 9, 12, 9, 12];
  console.log(row(['workers', 'CPU s', 'of it sys', 'cores', 'vs 1 worker'], cw));
  const baseCpu = median(runs.get(1).map((x) => x.cpuS));
  for (const w of configs) {
    const cpu = median(runs.get(w).map((x) => x.cpuS));
    const cores = median(runs.get(w).map((x) => x.cpuS / (x.ms / 1000)));
    console.log(row([w === 0 ? '0 (main)' : w, cpu.toFixed(2), median(runs.get(w).map((x) => x.sysS)).toFixed(2), cores.toFixed(2), `${(cpu / baseCpu).toFixed(2)}×`], cw));
  }
  console.log(`warm-up: the requests' own time (read + decode + method, from their timings) summed over the first ${WARM_LINES} result lines, against ${WARM_LINES} lines past line ${STEADY_FROM}; every worker compiles its own JIT code and faults in its own buffers, and with 2 workers both do it at once`);
  const ww = [10, 14, 14, 8];
  console.log(row(['workers', `first ${WARM_LINES} ms`, `later ${WARM_LINES} ms`, 'ratio'], ww));
  for (const w of configs) {
    const [f, l] = [median(runs.get(w).map((x) => x.warm.first)), median(runs.get(w).map((x) => x.warm.later))];
    console.log(row([w === 0 ? '0 (main)' : w, f.toFixed(0), l.toFixed(0), `${(f / l).toFixed(2)}×`], ww));
  }
  console.log(`steady state in process (pool warmed by one untimed pass), median of ${REPS} runs: one request per hand-over (pruneInPool, concurrency 2 × workers) and the lines in groups (pruneBatchInPool, as prune --batch)`);
  const sw = [12, 14, 10, 10, 12, 12];
  console.log(row(['workers', 'hand-over', 'wall ms', 'items/s', 'vs 1 worker', 'CPU cores'], sw));
  const steady = new Map([1, 2].map((w) => [w, []]));
  for (let r = 0; r < REPS; r++) {
    for (const w of [1, 2]) {
      const s = await steadyState(w);
      if (s.keeps !== results.get('keep') || s.lineKeeps !== results.get('keep')) throw new Error(`the pool (${w} workers) selected other tokens than the CLI`);
      steady.get(w).push(s);
    }
  }
  const med = (w, key) => median(steady.get(w).map((s) => s[key]));
  for (const [label, msKey, cpuKey] of [['per request', 'ms', 'cpuS'], ['line groups', 'linesMs', 'linesCpuS']]) {
    for (const w of [1, 2]) {
      const ms = med(w, msKey);
      console.log(row([w, label, ms.toFixed(0), ((ITEMS * 1000) / ms).toFixed(1), `${(med(1, msKey) / ms).toFixed(2)}×`, (med(w, cpuKey) / (ms / 1000)).toFixed(2)], sw));
    }
  }
  console.log('time per request, median over the runs, alone (1 worker) vs beside another worker (2): the method (validation + selection) and the file (read + decode), from the result timings');
  const kw = [28, 10, 10, 8, 10, 10, 8];
  console.log(row(['request', 'method 1', 'method 2', 'ratio', 'file 1', 'file 2', 'ratio'], kw));
  for (const kind of steady.get(1)[0].method.keys()) {
    const per = (w, key) => median(steady.get(w).flatMap((s) => s[key].get(kind)));
    const pair = (key) => [per(1, key).toFixed(2), per(2, key).toFixed(2), `${(per(2, key) / per(1, key)).toFixed(2)}×`];
    console.log(row([kind, ...pair('method'), ...pair('file')], kw));
  }
  // The batch split across two separate processes: they share no heap, pool or thread, only the
  // hardware (cores, caches, memory), and each pays its own start in parallel with the other —
  // what the same 2 cores give the same work without any in-process pool.
  const halves = [0, 1].map((h) => {
    const file = join(dir, `half-${h}.jsonl`);
    // whole rounds of the request kinds per half, so both halves carry the same work
    const kinds = MODELS.reduce((sum, m) => sum + m.requests.length, 0);
    const lines = batchRequests().filter((_, i) => Math.floor(i / kinds) % 2 === h);
    writeFileSync(file, lines.map((r) => JSON.stringify(r)).join('\n') + '\n');
    return file;
  });
  const alone = [];
  const split = [];
  for (let r = 0; r < REPS; r++) {
    alone.push(await sideBySide([jsonl]));
    split.push(await sideBySide(halves));
  }
  const [a, b] = [median(alone), median(split)];
  console.log(`the same batch split in two 1-worker processes run side by side (no shared pool; each starts in parallel): ${b.toFixed(0)} ms against ${a.toFixed(0)} ms for one → ${(a / b).toFixed(2)}×`);
  const [alone1] = await copyBandwidth(1);
  const two = await copyBandwidth(2);
  console.log(`memory copy bandwidth (64 MiB blocks, read + write): one thread ${alone1.toFixed(1)} GB/s; two threads at once ${two.map((x) => x.toFixed(1)).join(' + ')} GB/s`);
  console.log(`load average during the run: ${loadavg().map((x) => x.toFixed(1)).join(' ')} on ${availableParallelism()} cores`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
