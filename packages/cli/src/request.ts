import { resolveBudget, tokenCount, type MethodParams, type Selection, type TokenInput } from '@d2pruner/core';
import { getMethod } from '@d2pruner/methods';
import { helperThread } from '@d2pruner/pipeline/node';
import { ensureBackend } from './backends.js';

/** One pruning request, as the CLI and batch lines express it (API names). */
export interface PruneRequest {
  method: string;
  keep?: number;
  ratio?: number;
  params?: MethodParams;
  backend?: string;
}

/**
 * Runs one request on a loaded input: resolves the method and the budget, makes sure the
 * requested backend is registered, and returns the selection. The method may use the process's
 * helper thread (`helperThread`: CDPruner screens on a second core).
 */
export async function executeRequest(input: TokenInput, request: PruneRequest): Promise<Selection> {
  const method = getMethod(request.method);
  const budget = resolveBudget({ keep: request.keep, ratio: request.ratio }, tokenCount(input));
  const backend = request.backend ?? 'auto';
  await ensureBackend(backend);
  return method.select(input, budget, request.params ?? {}, { backend, helper: helperThread() });
}
