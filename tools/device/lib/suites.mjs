/**
 * The exactness suites of the device check: kernel conformance, every D2Pruner vector (plain and
 * with adversarially perturbed GPU cosines), every baseline vector, each through a named backend.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readSafetensors, tokenInputFromSafetensors } from '@d2pruner/core';
import { cosineErrorBound, KernelRegistry, runConformance } from '@d2pruner/kernels';
import { d2prune, getMethod } from '@d2pruner/methods';

const scenes = new Map();
function scene(dir, file) {
  const key = join(dir, file);
  if (!scenes.has(key)) scenes.set(key, tokenInputFromSafetensors(readSafetensors(readFileSync(key))));
  return scenes.get(key);
}

/** Kernel conformance of `backend` against the CPU reference: [passed, total, failure lines]. */
export async function conformance(backend, tolerance) {
  const reports = await runConformance(backend, tolerance);
  return { pass: reports.filter((r) => r.ok).length, total: reports.length, failures: reports.filter((r) => !r.ok).map((r) => r.message) };
}

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

/** Every D2Pruner vector through `d2prune` on `registry` with backend `backend` (dense graph). */
export async function d2prunerVectors(dir, registry, backend, pick = () => true) {
  const cases = JSON.parse(readFileSync(join(dir, 'd2pruner', 'cases-7.json'), 'utf8')).filter(pick);
  const failures = [];
  let uncertain = 0;
  let ran = 0;
  for (const c of cases) {
    const s = await d2prune(scene(join(dir, 'd2pruner'), c.input), c.keep, { ...c.params, graph: 'dense' }, { backend, registry });
    uncertain += s.timings.uncertain ?? 0;
    if (s.backend === backend) ran++;
    const e = c.expected;
    if (!same([s.keep, s.pivots, s.picks, s.rounds], [e.keep, e.pivots, e.picks, e.rounds])) failures.push(`${c.input} keep=${c.keep} ${JSON.stringify(c.params)}`);
  }
  // cases with a trivial budget, no slot, or alpha ≤ theta (no semantic edge possible) need no kernel
  return { pass: cases.length - failures.length, total: cases.length, failures, uncertain, note: `${ran} ran the edge block on ${backend}` };
}

/**
 * A registry whose backend `name` wraps `inner` and moves every `edgeBlock` cosine by half the
 * proven error bound towards the threshold (the adversarial rounding the certification must
 * absorb), for the perturbation suite.
 */
export function perturbedRegistry(inner, name = `${inner.name}-perturbed`) {
  const registry = new KernelRegistry();
  registry.register({
    name,
    priority: 1,
    minWork: 0,
    available: () => inner.available(),
    supports: (k) => inner.supports(k),
    run: (k, input) => inner.run(k, k === 'edgeBlock' ? { ...input, perturb: cosineErrorBound(input.x.cols) / 2 } : input),
    describe: () => `${inner.describe?.() ?? inner.name}, cosines perturbed by ±bound/2`,
  });
  return { registry, name };
}

function baselineDiffs(expected, actual) {
  const out = [];
  for (const key of Object.keys(expected)) {
    if (key === 'merged') {
      const em = expected.merged;
      const am = actual.merged ?? [];
      if (em.length !== am.length) out.push('merged length');
      else
        em.forEach((e, i) => {
          const a = am[i];
          if (e.index !== a.index || !same(e.members, a.members)) out.push(`merged[${i}]`);
          if (e.row) {
            const scale = Math.max(...e.row.map(Math.abs));
            if (!a.row || e.row.some((v, d) => !(Math.abs(v - a.row[d]) <= 1e-5 * scale))) out.push(`merged[${i}].row`);
          }
        });
    } else if (!same(expected[key], actual[key])) out.push(key);
  }
  return out;
}

/** The baseline methods of the vectors, in file order. */
export function baselineMethods(dir) {
  const all = JSON.parse(readFileSync(join(dir, 'baselines', 'baseline-cases-7.json'), 'utf8'));
  return [...new Set(all.map((c) => c.method))];
}

/** Every baseline vector of `method` (or every `stride`-th case of the file) with backend `backend`. */
export async function baselineVectors(dir, backend, stride = 1, method = undefined) {
  const all = JSON.parse(readFileSync(join(dir, 'baselines', 'baseline-cases-7.json'), 'utf8'));
  const cases = all.filter((c, i) => i % stride === 0 && (method === undefined || c.method === method));
  const failures = [];
  for (const c of cases) {
    const s = await getMethod(c.method).select(scene(join(dir, "baselines"), c.input), c.keep, c.params, { backend });
    const d = baselineDiffs(c.expected, s);
    if (d.length) failures.push(`${c.method} ${c.input} keep=${c.keep} ${JSON.stringify(c.params)}: ${d.join(', ')}`);
  }
  return { pass: cases.length - failures.length, total: cases.length, failures };
}
