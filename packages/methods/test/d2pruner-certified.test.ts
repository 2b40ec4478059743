import { describe, expect, it } from 'vitest';
import { cosineErrorBound, cosineFromDot, cosineThresholds, KernelRegistry, rowDot, rowNorm, type EdgeBlockInput, type EdgeBlockOutput, type KernelBackend } from '@d2pruner/kernels';
import { d2prune, d2pruneLazy } from '../src/index.js';
import { loadCases, loadScene } from './vectors.js';

/*
 * Exact on any adapter, by construction: a test backend plays a GPU whose every cosine is off by
 * half the proven error bound, in the adversarial direction (towards the threshold). The dense
 * path must still reproduce every vector, because the kernel reports pairs within the bound as
 * uncertain and the CPU decides them exactly. A control backend that trusts cosines perturbed by
 * 50 bounds (and reports nothing uncertain) must get some vector wrong, so the test can fail.
 */

const cases = loadCases('d2pruner', 'cases-7.json');

interface Stats {
  uncertain: number;
  moved: number;
}

function perturbingBackend(name: string, scale: number, certify: boolean, stats: Stats): KernelBackend {
  const edgeBlock = ({ x, subset, alpha, theta }: EdgeBlockInput): EdgeBlockOutput => {
    const k = subset.length;
    const words = Math.ceil(k / 32);
    const bound = cosineErrorBound(x.cols);
    const { lo, hi } = cosineThresholds(alpha, theta, certify ? bound : 0);
    const bits = new Uint32Array(k * words);
    const unc: number[] = [];
    const norms = Float64Array.from(subset, (r) => rowNorm(x.data, x.cols, r));
    const mid = hi === Infinity ? lo : (lo + hi) / 2;
    for (let i = 0; i < k; i++) {
      for (let j = i + 1; j < k; j++) {
        const exact = cosineFromDot(rowDot(x.data, x.cols, subset[i], subset[j]), norms[i], norms[j]);
        const c = exact + (exact < mid ? 1 : -1) * scale * bound;
        if (certify && (norms[i] === 0 || norms[j] === 0)) unc.push(i, j);
        else if (c > hi) bits[i * words + (j >>> 5)] |= 1 << (j & 31);
        else if (c >= lo && hi !== lo) unc.push(i, j);
        if ((c > hi) !== (exact > hi)) stats.moved++;
      }
    }
    stats.uncertain += unc.length / 2;
    return { bits, uncertain: Int32Array.from(unc) };
  };
  return {
    name,
    priority: 1,
    minWork: 0,
    available: async () => true,
    supports: (k) => k === 'edgeBlock',
    run: async (k, input) => {
      if (k !== 'edgeBlock') throw new Error(`${name} implements edgeBlock only`);
      return edgeBlock(input as EdgeBlockInput) as never;
    },
  };
}

const same = (s: { keep: number[]; pivots: number[]; picks: number[]; rounds: number }, e: Record<string, unknown>) =>
  JSON.stringify([s.keep, s.pivots, s.picks, s.rounds]) === JSON.stringify([e.keep, e.pivots, e.picks, e.rounds]);

describe('certified dense graph under adversarial cosine errors', () => {
  it('reproduces every D2Pruner vector with cosines perturbed by ±bound/2 towards theta', async () => {
    const stats: Stats = { uncertain: 0, moved: 0 };
    const registry = new KernelRegistry();
    registry.register(perturbingBackend('perturbed', 0.5, true, stats));
    const wrong: string[] = [];
    let ran = 0;
    for (const c of cases) {
      const s = await d2prune(loadScene('d2pruner', c.input), c.keep, { ...c.params, graph: 'dense' }, { backend: 'perturbed', registry });
      if (s.backend === 'perturbed') ran++;
      if (!same(s, c.expected)) wrong.push(`${c.input} keep=${c.keep} ${JSON.stringify(c.params)}`);
    }
    expect(wrong).toEqual([]);
    expect(cases).toHaveLength(256);
    expect(ran).toBeGreaterThan(100);
    console.log(`[certified] 256 vectors exact; ${ran} ran the perturbed edge block, ${stats.uncertain} pairs resolved on the CPU`);
  }, 300_000);

  it('equals the lazy path when theta sits on or within the bound of actual cosines (pairs forced into the uncertain band)', async () => {
    const stats: Stats = { uncertain: 0, moved: 0 };
    const registry = new KernelRegistry();
    registry.register(perturbingBackend('perturbed', 0.5, true, stats));
    let seed = 11;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    for (let t = 0; t < 12; t++) {
      const n = 64;
      const d = 24 + t * 40;
      const protos = Array.from({ length: 3 }, () => Float32Array.from({ length: d }, () => rnd() - 0.5));
      const data = new Float32Array(n * d);
      for (let i = 0; i < n; i++) for (let k = 0; k < d; k++) data[i * d + k] = protos[i % 3][k] + 0.3 * (rnd() - 0.5);
      const features = { rows: n, cols: d, data };
      const attention = Float32Array.from({ length: n }, () => rnd());
      const input = { features, attention };
      const norm = (i: number) => rowNorm(data, d, i);
      const a = 5 + (t % 7);
      const b = 20 + (t % 11);
      const c = cosineFromDot(rowDot(data, d, a, b), norm(a), norm(b));
      const bound = cosineErrorBound(d);
      for (const theta of [c, c + bound / 4, c - bound / 4, Math.fround(c)]) {
        for (const alpha of [1, 0.9]) {
          const params = { alpha, theta: alpha * theta, debias: 'none', pivotRatio: 0.3 };
          const dense = await d2prune(input, 20, { ...params, graph: 'dense' }, { backend: 'perturbed', registry });
          const lazy = d2pruneLazy(input, 20, params);
          expect([dense.keep, dense.picks, dense.rounds]).toEqual([lazy.keep, lazy.picks, lazy.rounds]);
        }
      }
    }
    expect(stats.uncertain).toBeGreaterThan(0);
  }, 300_000);

  it('control: trusting cosines perturbed by 50 bounds (no certification) gets vectors wrong', async () => {
    const stats: Stats = { uncertain: 0, moved: 0 };
    const registry = new KernelRegistry();
    registry.register(perturbingBackend('trusting', 50, false, stats));
    let wrong = 0;
    for (const c of cases) {
      const s = await d2prune(loadScene('d2pruner', c.input), c.keep, { ...c.params, graph: 'dense' }, { backend: 'trusting', registry });
      if (!same(s, c.expected)) wrong++;
    }
    expect(stats.moved).toBeGreaterThan(0);
    expect(wrong).toBeGreaterThan(0);
  }, 300_000);
});
