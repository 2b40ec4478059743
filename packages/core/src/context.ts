/**
 * A second thread that a method may hand part of one request's work to (CDPruner's screen
 * helper in `@d2pruner/methods`): messages go by structured clone, so shared WebAssembly memories
 * and compiled modules are passed by reference. A host provides one where a core would otherwise
 * sit idle (`@d2pruner/pipeline/node`'s `helperThread`); a worker of a pool that fills the cores
 * passes none.
 */
export interface HelperThread {
  /** Posts a message to the thread. */
  post(message: unknown): void;
}

/** What a caller may pass to a method besides input and parameters. */
export interface MethodContextBase {
  /**
   * Backend request: a registered kernel backend's name forces it (`cpu`, `webgpu`, …); `auto`
   * (default) leaves the choice to the kernel registry's one policy (`@d2pruner/kernels`,
   * `KernelRegistry.decideD2Pruner` and `plan`): the cheaper of the CPU and each eligible
   * hardware GPU backend by estimated cost, never a software adapter.
   */
  backend?: string;
  /** Cancels the work when aborted. */
  signal?: AbortSignal;
  /** A thread the method may use beside the caller's for this request (none: one thread). */
  helper?: HelperThread;
}
