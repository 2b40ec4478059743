/** What a caller may pass to a method besides input and parameters. */
export interface MethodContextBase {
  /** Backend request: `auto` (default) picks by priority and size, a name forces it. */
  backend?: string;
  /** Cancels the work when aborted. */
  signal?: AbortSignal;
}
