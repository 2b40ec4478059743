import { BackendUnavailableError, InvalidArgumentError, UnknownNameError, isD2PrunerError } from '@d2pruner/core';
import type { KernelBackend } from './backend.js';
import { cpuBackend } from './cpu/backend.js';
import { runCheckedCpuKernel } from './cpu/kernel-table.js';
import { assertKernelInput } from './kernel-input.js';
import type { KernelInput, KernelName, KernelOutput } from './names.js';
import { kernelWork } from './names.js';
import { denseMs, kernelMs, lazyCpuMs, type AutoDecision, type BackendProfile, type D2PrunerWorkload } from './policy.js';

/** Whether `auto` would use a backend, and why (for UIs: the web app's backend rows). */
export interface AutoEligibility {
  /** Registered, available here, not lost, and not a software adapter. */
  eligible: boolean;
  /** The backend runs on the CPU cores behind a GPU API (llvmpipe, SwiftShader, gpu.js CPU mode). */
  software: boolean;
  /** One line saying why. */
  reason: string;
}

/** Options of {@link KernelRegistry.register}. */
export interface RegisterOptions {
  /** Replace a backend registered under the same name (default false: that is an error). */
  replace?: boolean;
}

/** The result of a dispatched kernel and the backend that produced it. */
export interface KernelResult<K extends KernelName> {
  output: KernelOutput<K>;
  backend: string;
}

/** How a caller asks for a backend: `auto` (by priority and size) or a backend name. */
export type BackendRequest = 'auto' | (string & {});

/**
 * Backends by priority with fallback (docs/architecture.md §3 item 2), and the one `auto` policy of the
 * project. `auto` never uses a software adapter (see {@link BackendProfile}); for a kernel call it
 * tries the other available backends from the highest priority down, skipping those whose
 * `minWork` exceeds the call's work; for a D2Pruner request ({@link decideD2Pruner}) it compares
 * the estimated cost of the lazy CPU path with the dense path on each GPU backend. When a backend
 * fails, the next is tried, and if all fail the error names every failure. A backend whose device
 * is lost is marked unavailable, so the same request and the next ones complete on the next
 * backend (the CPU at worst).
 */
export class KernelRegistry {
  private readonly backends = new Map<string, KernelBackend>();
  private readonly availability = new Map<string, Promise<boolean>>();
  private readonly lost = new Set<string>();

  /** Creates a registry holding the CPU backend. */
  constructor() {
    this.register(cpuBackend);
  }

  /**
   * Adds a backend. A second backend under a registered name is an error unless
   * `options.replace` is set (the CPU backend is never replaced).
   */
  register(backend: KernelBackend, options: RegisterOptions = {}): void {
    if (this.backends.has(backend.name) && (!options.replace || backend.name === 'cpu')) {
      throw new InvalidArgumentError('backend', `a kernel backend named '${backend.name}' is already registered${backend.name === 'cpu' ? '' : ' (pass { replace: true } to replace it)'}`);
    }
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

  /** A registered backend by name (undefined when none). */
  get(name: string): KernelBackend | undefined {
    return this.backends.get(name);
  }

  /** The profile of an available backend (the CPU's is implicit: undefined). */
  private async profileOf(name: string): Promise<BackendProfile | undefined> {
    if (!(await this.isAvailable(name))) return undefined;
    return this.backends.get(name)?.profile?.();
  }

  /**
   * Whether `auto` would use backend `name`, whether it is a software adapter, and why: the
   * function a UI calls to label its backend choices (resolves the adapter on first call).
   */
  async autoEligibility(name: string): Promise<AutoEligibility> {
    if (name === 'cpu') return { eligible: true, software: false, reason: 'the CPU reference is always available' };
    const b = this.backends.get(name);
    if (!b) return { eligible: false, software: false, reason: `no backend named '${name}' is registered` };
    if (this.lost.has(name)) return { eligible: false, software: false, reason: `${name}: the device was lost` };
    if (!(await this.isAvailable(name))) return { eligible: false, software: false, reason: `${name} is not available here (${b.describe?.() ?? 'no adapter'})` };
    const p = b.profile?.();
    if (p?.kind === 'software') return { eligible: false, software: true, reason: `${b.describe?.() ?? name}: a software adapter on the CPU cores; auto keeps work on the CPU (name it explicitly to use it)` };
    return { eligible: true, software: false, reason: `${b.describe?.() ?? name}: auto uses it when its estimated cost is lower` };
  }

  /**
   * Synchronously: true when a registered backend other than the CPU is known (its adapter was
   * probed) to be a hardware GPU and is not lost. Paths that pick a CPU algorithm up front use it;
   * an adapter not probed yet counts as no accelerator.
   */
  hasAutoAcceleratorNow(): boolean {
    return this.list().some((b) => b.name !== 'cpu' && !this.lost.has(b.name) && b.profile?.()?.kind === 'gpu');
  }

  /** True when some registered backend other than the CPU is eligible for `auto` here. */
  async hasAutoAccelerator(): Promise<boolean> {
    for (const b of this.list()) if (b.name !== 'cpu' && (await this.autoEligibility(b.name)).eligible) return true;
    return false;
  }

  /**
   * The D2Pruner graph form and backend for `request`: a named backend other than the CPU forces
   * the dense graph on it, `cpu` the lazy graph, and `auto` the cheapest estimate among the lazy
   * CPU path and the dense path on each eligible GPU backend that implements `edgeBlock`.
   */
  async decideD2Pruner(request: BackendRequest, w: D2PrunerWorkload): Promise<AutoDecision> {
    const known = this.decideD2PrunerNow(request, w);
    if (known) return known;
    const lazy = lazyCpuMs(w);
    const estimates: Record<string, number> = { cpu: lazy };
    let best: AutoDecision = { backend: 'cpu', form: 'lazy', reason: 'lazy CPU path is cheapest', estimates };
    let bestMs = lazy;
    for (const b of this.list()) {
      if (b.name === 'cpu' || !b.supports('edgeBlock') || !(await this.autoEligibility(b.name)).eligible) continue;
      const p = await this.profileOf(b.name);
      if (!p) continue;
      const ms = denseMs(w, p);
      estimates[b.name] = ms;
      if (ms < bestMs) {
        bestMs = ms;
        best = { backend: b.name, form: 'dense', reason: `dense graph on ${b.name} is cheapest`, estimates };
      }
    }
    return best;
  }

  /**
   * The part of {@link decideD2Pruner} that needs no adapter probe, synchronously: `cpu` → lazy, a
   * named backend → dense on it, `auto` with no backend but the CPU registered → lazy; undefined
   * when the adapters must be asked (then call `decideD2Pruner`). Lets pipelines stay synchronous
   * on the CPU.
   */
  decideD2PrunerNow(request: BackendRequest, w: D2PrunerWorkload): AutoDecision | undefined {
    const lazy = lazyCpuMs(w);
    if (request === 'cpu') return { backend: 'cpu', form: 'lazy', reason: 'cpu requested', estimates: { cpu: lazy } };
    if (request !== 'auto') return { backend: request, form: 'dense', reason: `${request} requested`, estimates: {} };
    if (this.list().every((b) => b.name === 'cpu' || this.lost.has(b.name))) return { backend: 'cpu', form: 'lazy', reason: 'no other backend registered', estimates: { cpu: lazy } };
    return undefined;
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
      if (b.name !== 'cpu') {
        // minWork and the profile are read after availability: both depend on the adapter
        const p = b.profile?.();
        if (p?.kind === 'software' || b.minWork > work) continue;
        if (p && Number.isFinite(work) && kernelMs(work, p) >= kernelMs(work, 'cpu')) continue;
      }
      out.push(b);
    }
    return out;
  }

  /**
   * Runs a kernel. Under `auto` it falls back down the priority list; a named backend is forced,
   * except that a lost device falls back to the CPU so that the request is not lost (the result
   * says which backend ran). The input is checked once, before any backend is chosen
   * (`assertKernelInput`: an unknown kernel is UNKNOWN_NAME, a malformed input a typed error
   * naming the field at fault), so every backend refuses the same invalid input the same way.
   */
  async run<K extends KernelName>(kernel: K, input: KernelInput<K>, request: BackendRequest = 'auto'): Promise<KernelResult<K>> {
    assertKernelInput(kernel, input);
    const plan = await this.plan(kernel, request, kernelWork(kernel, input));
    const failures: string[] = [];
    for (const b of plan) {
      try {
        // the CPU reference runs on the input checked above, not checked a second time
        return { output: b === cpuBackend ? runCheckedCpuKernel(kernel, input) : await b.run(kernel, input), backend: b.name };
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
export function registerBackend(backend: KernelBackend, options: RegisterOptions = {}): void {
  kernelRegistry().register(backend, options);
}
