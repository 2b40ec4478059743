import type { TokenInput } from '@d2pruner/core';
import { registerWebGPUBackend } from '@d2pruner/kernels-webgpu/register';
import { d2prunerStages, decode, pruneStream, type PruneJob } from '@d2pruner/pipeline';
import { lastValueFrom, pipe, toArray } from 'rxjs';
import { makeScene, SCENES, type SceneSpec } from './scene.js';

/** One scene's selection on one backend (or its error). */
export interface Pruned {
  backend?: string;
  keep?: number[];
  pivots?: number[];
  picks?: number[];
  rounds?: number;
  ms?: number;
  error?: { code: string; field: string; message: string };
}

/** What the page reports (read by the test through `window.__result`). */
export interface PageResult {
  hasNavigatorGpu: boolean;
  adapter: string;
  scenes: { spec: SceneSpec; features: number[]; attention: number[]; webgpu: Pruned; cpu: Pruned }[];
}

/** Prunes every scene with the D2Pruner stages, each job asking for `backend`. */
async function pruneAll(inputs: TokenInput[], backend: 'webgpu' | 'cpu'): Promise<Pruned[]> {
  const requests = inputs.map((input, i) => ({ input, keep: SCENES[i].keep, backend }));
  const jobs: PruneJob[] = await lastValueFrom(pruneStream(requests, pipe(decode(), d2prunerStages())).pipe(toArray()));
  return jobs.map((job) => {
    if (job.error || !job.selection) return { error: job.error };
    const s = job.selection;
    return { backend: s.backend, keep: s.keep, pivots: s.pivots, picks: s.picks, rounds: s.rounds, ms: s.timings.totalMs };
  });
}

async function run(): Promise<PageResult> {
  const logs: string[] = [];
  const webgpu = registerWebGPUBackend(undefined, { log: (line) => logs.push(line) });
  try {
    const inputs = SCENES.map(makeScene);
    const gpu = await pruneAll(inputs, 'webgpu');
    const cpu = await pruneAll(inputs, 'cpu');
    return {
      hasNavigatorGpu: 'gpu' in navigator,
      adapter: logs.join('; ') || webgpu.describe(),
      scenes: inputs.map((input, i) => ({
        spec: SCENES[i],
        features: Array.from(input.features!.data),
        attention: Array.from(input.attention!),
        webgpu: gpu[i],
        cpu: cpu[i],
      })),
    };
  } finally {
    await webgpu.dispose();
  }
}

const result = run();
(globalThis as { __result?: Promise<PageResult> }).__result = result;
result.then(
  (r) => {
    const lines = r.scenes.map((s, i) => `scene ${i}: webgpu ${s.webgpu.keep?.length ?? s.webgpu.error?.code} tokens, same as cpu: ${JSON.stringify(s.webgpu.keep) === JSON.stringify(s.cpu.keep)}`);
    document.getElementById('out')!.textContent = [r.adapter, ...lines].join('\n');
  },
  (e: unknown) => {
    document.getElementById('out')!.textContent = `failed: ${String(e)}`;
  },
);
