import { BackendUnavailableError, InvalidArgumentError, UnknownNameError, isD2PrunerError } from '@d2pruner/core';
import type { KernelBackend } from './backend.js';
import { cpuBackend } from './cpu/backend.js';
import type { KernelInput, KernelName, KernelOutput } from './names.js';
import { kernelWork } from './names.js';

/** The result of a dispatched kernel and the backend that produced it. */
export interface KernelResult<K extends KernelName> {
  output: KernelOutput<K>;
  backend: string;
}

/** How a caller asks for a backend: `auto` (by priority and size) or a backend name. */
export type BackendRequest = 'auto' | (string & {});

/**
 * Backends by priority with fallback (docs/architecture.md §3 item 2). `auto` tries the available backends
 * from the highest priority down, skipping those whose `minWork` exceeds the call's work; when
 * one fails, the next is tried, and if all fail the error names every failure. A backend whose
 * device is lost is marked unavailable, so the same request and the next ones complete on the
 * next backend (the CPU at worst).
 */
export class KernelRegistry {
  private readonly backends = new Map<string, KernelBackend>();
  private readonly availability = new Map<string, Promise<boolean>>();
  private readonly lost = new Set<string>();

  /** Creates a registry holding the CPU backend. */
  constructor() {
    this.register(cpuBackend);
  }

  /** Adds or replaces a backend. */
  register(backend: KernelBackend): void {
    this.backends.set(backend.name, backend);
    this.availability.delete(backend.name);
    this.lost.delete(backend.name);
  }

  /** Removes a backend (the CPU backend cannot be removed). */
  unregister(name: string): void {
    if (name === 'cpu') throw new InvalidArgumentError('backend', 'the cpu backend cannot be removed');
    this.backends.delete(name);
    this.availability.delete(name);
  }

  /** Registered backends, highest priority first. */
  list(): KernelBackend[] {
    return [...this.backends.values()].sort((a, b) => b.priority - a.priority);
  }

  /** Whether a backend is registered, available here and not lost. */
  async isAvailable(name: string): Promise<boolean> {
    const b = this.backends.get(name);
    if (!b || this.lost.has(name)) return false;
    let p = this.availability.get(name);
    if (!p) {
      p = b.available().catch(() => false);
      this.availability.set(name, p);
    }
    return p;
  }

  /** Marks a backend unusable (device lost); `auto` skips it from now on. */
  markLost(name: string): void {
    if (name !== 'cpu') this.lost.add(name);
  }

  /** The backends `request` would try for `kernel` with `work` multiply-adds, in order. */
  async plan(kernel: KernelName, request: BackendRequest = 'auto', work = Infinity): Promise<KernelBackend[]> {
    if (request !== 'auto') {
      const b = this.backends.get(request);
      if (!b) throw new UnknownNameError('backend', request, ['auto', ...this.backends.keys()]);
      if (!b.supports(kernel)) throw new BackendUnavailableError(request, `backend '${request}' does not implement kernel '${kernel}'`);
      // a lost device: later calls complete on the CPU (the result says so) instead of failing
      if (this.lost.has(request)) return [cpuBackend];
      if (!(await this.isAvailable(request))) throw new BackendUnavailableError(request, `backend '${request}' is not available here`);
      return b.name === 'cpu' ? [b] : [b, cpuBackend];
    }
    const out: KernelBackend[] = [];
    for (const b of this.list()) {
      if (!b.supports(kernel) || !(await this.isAvailable(b.name))) continue;
      // minWork is read after availability: a backend may raise it once it knows its adapter
      if (b.minWork > work && b.name !== 'cpu') continue;
      out.push(b);
    }
    return out;
  }

  /**
   * Runs a kernel. Under `auto` it falls back down the priority list; a named backend is forced,
   * except that a lost device falls back to the CPU so that the request is not lost (the result
   * says which backend ran).
   */
  async run<K extends KernelName>(kernel: K, input: KernelInput<K>, request: BackendRequest = 'auto'): Promise<KernelResult<K>> {
    const plan = await this.plan(kernel, request, kernelWork(kernel, input));
    const failures: string[] = [];
    for (const b of plan) {
      try {
        return { output: await b.run(kernel, input), backend: b.name };
      } catch (e) {
        const lost = isD2PrunerError(e) && e.code === 'DEVICE_LOST';
        if (lost) this.markLost(b.name);
        failures.push(`${b.name}: ${e instanceof Error ? e.message : String(e)}`);
        if (request !== 'auto' && !lost) throw e;
      }
    }
    throw new BackendUnavailableError(kernel, `no backend could run '${kernel}': ${failures.join('; ') || 'none available'}`);
  }

  /** Disposes every backend (releases GPU devices so the process can exit). */
  async dispose(): Promise<void> {
    await Promise.all([...this.backends.values()].map((b) => b.dispose?.()));
  }
}

let defaultRegistry: KernelRegistry | undefined;

/** The process-wide kernel registry, created on first use (no import side effects). */
export function kernelRegistry(): KernelRegistry {
  defaultRegistry ??= new KernelRegistry();
  return defaultRegistry;
}

/** Registers a backend on the process-wide registry. */
export function registerBackend(backend: KernelBackend): void {
  kernelRegistry().register(backend);
}
