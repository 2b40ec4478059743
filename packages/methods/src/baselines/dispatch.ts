import {
  kernelRegistry,
  runCpuKernel,
  type KernelInput,
  type KernelName,
  type KernelOutput,
  type KernelRegistry,
} from '@d2pruner/kernels';

/**
 * Runs the baselines' heavy kernels. With no backend request, `auto` or `cpu` the CPU reference
 * runs synchronously (no dispatch cost per greedy step); a named backend goes through the kernel
 * registry, which falls back to the CPU when that device is lost; the remaining kernels of the
 * selection then stay on the CPU. `backend` reports every backend that ran, in order of first
 * use, joined by `+` (`cpu` when none ran).
 */
export class KernelDispatch {
  private readonly used: string[] = [];
  private fellBack = false;

  /**
   * @param request backend name from the method context (`auto`, `cpu` or a registered backend)
   * @param registry kernel registry (the process-wide one by default)
   */
  constructor(
    readonly request: string | undefined,
    private readonly registry: KernelRegistry = kernelRegistry(),
  ) {}

  /** True when kernels run synchronously on the CPU reference. */
  get onCpu(): boolean {
    return this.fellBack || this.request === undefined || this.request === 'auto' || this.request === 'cpu';
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
    if (this.onCpu) {
      this.note('cpu');
      return runCpuKernel(kernel, input);
    }
    const r = await this.registry.run(kernel, input, this.request);
    if (r.backend !== this.request) this.fellBack = true;
    this.note(r.backend);
    return r.output;
  }

  private note(name: string): void {
    if (!this.used.includes(name)) this.used.push(name);
  }
}
