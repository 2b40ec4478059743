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
}
