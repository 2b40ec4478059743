import type { Method } from '@d2pruner/core';

/** A method that keeps the first `budget` tokens, for registering at run time in a test. */
export function firstTokensMethod(name: string): Method {
  return {
    name,
    description: 'keeps the first tokens',
    params: {},
    requires: [],
    select: async (input: { features: { rows: number } }, budget: number) => ({ method: name, n: input.features.rows, budget, keep: Array.from({ length: budget }, (_, k) => k), backend: 'cpu', timings: { totalMs: 0 } }),
  } as unknown as Method;
}
