import type { KernelInput, KernelName, KernelOutput } from './names.js';
import type { BackendProfile } from './policy.js';

/**
 * A kernel backend: a named set of kernel implementations with a priority. Backends are leaves
 * that users can add from outside the repo through {@link KernelRegistry.register}.
 */
export interface KernelBackend {
  /** Backend name: `cpu`, `webgpu`, `gpujs`, … */
  readonly name: string;
  /** Higher runs first under `auto`. */
  readonly priority: number;
  /**
   * Under `auto`, calls with less work than this (multiply-adds) stay on a lower-priority
   * backend, because dispatch costs more than it saves. 0 = no threshold.
   */
  readonly minWork: number;
  /** Resolves true when the backend can run here (adapter found, …). Cached by the registry. */
  available(): Promise<boolean>;
  /** True when the backend implements `kernel`. */
  supports(kernel: KernelName): boolean;
  /** Runs a kernel. Rejects with a typed error (e.g. DEVICE_LOST) on failure. */
  run<K extends KernelName>(kernel: K, input: KernelInput<K>): Promise<KernelOutput<K>>;
  /**
   * The hardware the backend found, for the `auto` policy (known once `available()` resolved;
   * undefined = unknown, treated as a GPU gated by `minWork`). A `software` kind is never used
   * by `auto`.
   */
  profile?(): BackendProfile | undefined;
  /** Describes what actually runs (adapter, mode), for logs and `/healthz`. */
  describe?(): string;
  /** Releases devices and buffers. */
  dispose?(): Promise<void>;
}
