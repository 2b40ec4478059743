import { InvalidInputError } from '@d2pruner/core';
import { buildDenseGraph, LazyGraph } from '@d2pruner/graph';
import { kernelRegistry, type KernelRegistry } from '@d2pruner/kernels';
import type { OperatorFunction } from 'rxjs';
import type { JobGraph, PruneJob } from '../job.js';
import { stage } from '../stage.js';
import { requireField, requireProblem } from './require.js';

/** Options of {@link buildGraph}. */
export interface BuildGraphOptions {
  /**
   * `lazy` (neighbour queries on demand, CPU), `dense` (full similarity matrix and edge bitset
   * through the kernel registry), or `auto` (default: the problem's `graph` parameter, whose
   * `auto` asks the kernel registry's policy, as `d2prune` does).
   */
  form?: 'auto' | 'lazy' | 'dense';
  /** Kernel registry for the dense form (the process-wide one by default). */
  registry?: KernelRegistry;
}

/** The lazy graph with the backend it ran on (always the CPU). */
function lazyGraph(...args: ConstructorParameters<typeof LazyGraph>): JobGraph {
  const g = new LazyGraph(...args);
  return { backend: 'cpu', conflicts: (v, taken) => g.conflicts(v, taken) };
}

/**
 * Stage `buildGraph` (docs/algorithm.md §3 step 5, §4): the hybrid spatial / semantic graph over the
 * candidates, lazy or dense (`@d2pruner/graph`). The dense form runs the `cosineMatrix` and
 * `edgeBitset` kernels on the job's backend (`request.backend`, see {@link withBackend}).
 * Sets `job.graph`; with no supplementary slot (m = 0) no graph is built.
 */
export function buildGraph(options: BuildGraphOptions = {}): OperatorFunction<PruneJob, PruneJob> {
  return stage('graph', (job) => {
    const p = requireProblem(job, 'buildGraph');
    const candidates = requireField(job, 'candidates', 'buildGraph', 'selectPivots()');
    if (job.m === 0) return {};
    const backend = job.request.backend ?? 'auto';
    const form = options.form && options.form !== 'auto' ? options.form : p.params.graph;
    if (form !== 'auto' && form !== 'lazy' && form !== 'dense') throw new InvalidInputError('graph', `graph must be auto, lazy or dense, got ${String(form)}`);
    if (form === 'lazy') return { graph: lazyGraph(p.features, p.layout, p.params) };
    const registry = options.registry ?? kernelRegistry();
    const dense = (on: string) => buildDenseGraph(p.features, p.layout, p.params, candidates, { registry, backend: on }).then((graph) => ({ graph }));
    if (form === 'dense') return dense(backend);
    const workload = { kind: 'd2pruner', d: p.features.cols, candidates: candidates.length, slots: job.m ?? 0, alpha: p.params.alpha, theta: p.params.theta, radius: p.params.radius } as const;
    const run = (d: { form?: string; backend: string }) => (d.form === 'lazy' ? { graph: lazyGraph(p.features, p.layout, p.params) } : dense(d.backend));
    const now = registry.decideD2PrunerNow(backend, workload);
    return now ? run(now) : registry.decideD2Pruner(backend, workload).then(run);
  });
}
