import {
  kernelRegistry,
  runCpuKernel,
  type KernelInput,
  type KernelName,
  type KernelOutput,
  type KernelRegistry,
} from '@d2pruner/kernels';

/**
 * Runs the baselines' heavy kernels. `cpu` runs the CPU reference synchronously (no dispatch cost
 * per greedy step); `auto` (or no request) asks the kernel registry's policy, which stays on the
 * CPU unless an eligible hardware GPU backend is expected to be faster for the call (never a
 * software adapter): with no such backend registered, auto is the synchronous CPU path too. A
 * named backend goes through the registry, which falls back to the CPU when that device is lost;
 * kernels the named backend refuses (float64 value kernels a float32 device cannot reproduce) run
 * on the CPU;
 * the remaining kernels of the selection then stay on the CPU. `backend` reports every backend
 * that ran, in order of first use, joined by `+` (`cpu` when none ran).
 */
export class KernelDispatch {
  private readonly used: string[] = [];
  private fellBack = false;
  private accelerated: Promise<boolean> | undefined;

  /**
   * @param request backend name from the method context (`auto`, `cpu` or a registered backend)
   * @param registry kernel registry (the process-wide one by default)
   */
  constructor(
    readonly request: string | undefined,
    private readonly registry: KernelRegistry = kernelRegistry(),
  ) {}

  /**
   * True when kernels run synchronously on the CPU (so methods may pick their CPU algorithms):
   * `cpu`, a fallback after a lost device, or `auto` while the registry knows no hardware GPU
   * backend ({@link KernelRegistry.hasAutoAcceleratorNow}).
   */
  get onCpu(): boolean {
    return this.fellBack || this.request === 'cpu' || (this.auto && !this.registry.hasAutoAcceleratorNow());
  }

  /**
   * Resolves true when every kernel of this selection will run on the CPU: `cpu`, a fallen-back
   * device, or `auto` with no accelerator the registry's policy would pick. Methods then take
   * their whole-selection CPU paths (screened SIMD, neighbour lists) instead of kernel calls.
   */
  async cpuOnly(): Promise<boolean> {
    if (this.onCpu) return true;
    if (!this.auto) return false;
    this.accelerated ??= this.registry.hasAutoAccelerator();
    return !(await this.accelerated);
  }

  private get auto(): boolean {
    return this.request === undefined || this.request === 'auto';
  }

  /** The backends that ran so far, `cpu` when none. */
  get backend(): string {
    return this.used.length ? this.used.join('+') : 'cpu';
  }

  /** Marks the CPU as used by work done outside a kernel call. */
  noteCpu(): void {
    this.note('cpu');
  }

  /** Runs one kernel. */
  async run<K extends KernelName>(kernel: K, input: KernelInput<K>): Promise<KernelOutput<K>> {
    const named = this.auto ? undefined : this.registry.get(this.request as string);
    if (this.onCpu || (named && !named.supports(kernel))) {
      this.note('cpu');
      return runCpuKernel(kernel, input);
    }
    const r = await this.registry.run(kernel, input, this.request ?? 'auto');
    if (!this.auto && r.backend !== this.request) this.fellBack = true;
    this.note(r.backend);
    return r.output;
  }

  private note(name: string): void {
    if (!this.used.includes(name)) this.used.push(name);
  }
}
