import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { kernelRegistry, type KernelBackend } from '@d2pruner/kernels';
import { ROOT, runCli } from './helpers.js';

/*
 * Issue 4: a device loss in the middle of a `--backend webgpu` batch. The WebGPU device is
 * destroyed just before the 9th kernel call; the registry marks the backend lost, finishes that
 * request on the CPU, and every later request runs on the CPU. All results stay exact.
 */
const VEC = join(ROOT, 'fixtures/vectors/d2pruner');

interface Case {
  input: string;
  keep: number;
  params: Record<string, unknown>;
  expected: { keep: number[]; pivots: number[]; picks: number[]; rounds: number };
}

type DeviceBackend = KernelBackend & { device?: { destroy(): void } };

describe('device loss mid-batch (--backend webgpu)', () => {
  it('the batch completes, exact, on the CPU after the loss', async () => {
    const probe = await runCli(['prune', join(VEC, 'grid6-7.safetensors'), '--keep', '8', '--backend', 'webgpu', '--json']);
    if (probe.code !== 0) {
      console.warn(`SKIP device-loss batch: no WebGPU adapter here — ${probe.err.trim()}`);
      return;
    }
    const backend = kernelRegistry().list().find((b) => b.name === 'webgpu') as DeviceBackend;
    expect(backend).toBeDefined();
    let calls = 0;
    const run = backend.run.bind(backend);
    backend.run = (async (kernel, input) => {
      calls++;
      if (calls === 9) backend.device?.destroy();
      return run(kernel, input);
    }) as KernelBackend['run'];

    const all = JSON.parse(readFileSync(join(VEC, 'cases-7.json'), 'utf8')) as Case[];
    const cases = all.filter((c) => c.input === 'grid6-7.safetensors' && c.keep > 0 && c.keep < 36).slice(0, 12);
    const dir = mkdtempSync(join(tmpdir(), 'd2pruner-loss-'));
    const jsonl = join(dir, 'batch.jsonl');
    writeFileSync(jsonl, cases.map((c) => JSON.stringify({ input: join(VEC, c.input), keep: c.keep, params: c.params })).join('\n') + '\n');
    const { code, out } = await runCli(['prune', '--batch', jsonl, '--backend', 'webgpu', '--concurrency', '1']);
    expect(code).toBe(0);
    const lines = out.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(cases.length);
    lines.forEach((r, i) => {
      const e = cases[i].expected;
      expect([r.keep, r.pivots, r.picks, r.rounds]).toEqual([e.keep, e.pivots, e.picks, e.rounds]);
    });
    const ran = lines.map((r) => r.backend as string);
    console.log(`device-loss batch: backends per request: ${ran.join(' ')}`);
    // One edgeBlock kernel call per request whose rule can join non-adjacent tokens (alpha >
    // theta); the others build their graph on the CPU and say so. The device was lost during the
    // 9th kernel call: the requests that called the kernel before it ran on webgpu, that request
    // and every later one completed on the CPU.
    let kernelCalls = 0;
    const expected = cases.map((c) => {
      const { alpha = 1, theta = 0.8 } = c.params as { alpha?: number; theta?: number };
      if (!(alpha > theta)) return 'cpu';
      kernelCalls++;
      return kernelCalls < 9 ? 'webgpu' : 'cpu';
    });
    expect(kernelCalls).toBeGreaterThanOrEqual(9);
    expect(calls).toBe(kernelCalls);
    expect(ran.map((b) => (b === 'webgpu' ? b : b.includes('cpu') ? 'cpu' : b))).toEqual(expected);
    expect(await kernelRegistry().isAvailable('webgpu')).toBe(false);
  }, 300_000);
});
