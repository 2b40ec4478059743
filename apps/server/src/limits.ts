import { InvalidArgumentError, InvalidInputError, resolveBudget, tokenCount, type Method, type ParamSpec, type TokenInput } from '@d2pruner/core';
import { getMethod } from '@d2pruner/methods';
import type { PruneRequest } from '@d2pruner/pipeline';
import type { ServerConfig } from './config.js';
import { HttpError } from './http-error.js';
import { safetensorsShapes } from './input/caps.js';

/** The limits a request is checked against before any work starts (from the configuration). */
export type RequestLimits = Pick<ServerConfig, 'maxTokens' | 'maxDenseTokens' | 'maxSequence'>;

/** Largest RoPE head dimension (real models use 64–256; the rope prior costs queryPosition · headDim / 2 cosines). */
export const MAX_ROPE_HEAD_DIM = 1024;
/** Largest Chebyshev radius of spatial adjacency (each token looks at (2r+1)² cells). */
export const MAX_RADIUS = 32;
/** Bound of any real-valued parameter that declares no range of its own. */
export const MAX_ABS_NUMBER = 1e12;

/**
 * The upper bound of a numeric parameter the method declares without one, and the flag that
 * sets it. Every integer parameter of every built-in method has an entry (a test checks this):
 * its cost or memory grows with it.
 */
export function paramUpperBound(name: string, limits: RequestLimits): { max: number; source: string } | undefined {
  switch (name) {
    case 'queryPosition':
    case 'visualStart':
    case 'sequenceOffset':
      return { max: limits.maxSequence, source: '--max-sequence' };
    case 'ropeHeadDim':
      return { max: MAX_ROPE_HEAD_DIM, source: 'the server' };
    case 'radius':
      return { max: MAX_RADIUS, source: 'the server' };
    case 'pivotImage':
    case 'pivotText':
    case 'dropPerStep':
    case 'contextual':
      return { max: limits.maxTokens, source: '--max-tokens' };
    default:
      return undefined;
  }
}

function checkParam(spec: ParamSpec, value: unknown, limits: RequestLimits): void {
  if (typeof value !== 'number' || (spec.type !== 'integer' && spec.type !== 'number')) return;
  // the server's own bound applies beside a range the method declares (the tighter one wins)
  const bound = paramUpperBound(spec.name, limits) ?? (spec.type === 'number' && spec.max === undefined ? { max: MAX_ABS_NUMBER, source: 'the server' } : undefined);
  if (bound && value > bound.max) throw new InvalidInputError(spec.name, `${spec.name} is ${value}; at most ${bound.max} (${bound.source})`);
  if (spec.type === 'number' && spec.min === undefined && value < -MAX_ABS_NUMBER) throw new InvalidInputError(spec.name, `${spec.name} is ${value}; at least ${-MAX_ABS_NUMBER}`);
}

/**
 * Checks a method's numeric parameters against the server's bounds ({@link paramUpperBound},
 * else ±{@link MAX_ABS_NUMBER} for a real-valued one without a declared range): 422
 * `INVALID_INPUT` naming the first one over. Parameters the method does not declare are left to it.
 */
export function checkParamLimits(method: Pick<Method, 'params'>, params: Readonly<Record<string, unknown>>, limits: RequestLimits): void {
  const specs = new Map(method.params.map((p) => [p.name, p]));
  for (const [name, value] of Object.entries(params)) {
    const spec = specs.get(name);
    if (spec) checkParam(spec, value, limits);
  }
}

/** N of a request's tokens without decoding them: a decoded input's count, or the shapes in a safetensors header. */
export function tokensOf(input: PruneRequest['input']): number | undefined {
  try {
    if (typeof input === 'string') return undefined;
    if (!(input instanceof Uint8Array)) return tokenCount(input as TokenInput);
    const shapes = safetensorsShapes(input);
    const rows = shapes?.get('features')?.[0] ?? shapes?.get('keys')?.[0];
    const vector = shapes?.get('attention') ?? shapes?.get('clsAttention');
    return rows ?? (vector ? vector[vector.length - 1] : undefined);
  } catch {
    return undefined;
  }
}

/**
 * Checks a request against the server's limits before it is queued: every numeric method
 * parameter without a declared maximum (the method checks its own) against
 * {@link paramUpperBound}, else ±{@link MAX_ABS_NUMBER} (422 `INVALID_INPUT` naming it), `keep` against `--max-tokens`, and the
 * quadratic paths against `--max-dense-tokens` (D2Pruner `graph=dense`: N; CDPruner: keep·N;
 * 413 naming `graph` / `keep`). `input` must be bytes or a decoded input (a sample is read first).
 */
export function checkRequestLimits(request: PruneRequest, limits: RequestLimits, defaultMethod = 'd2pruner'): void {
  const method = getMethod(request.method ?? defaultMethod);
  const params = request.params ?? {};
  checkParamLimits(method, params, limits);
  if (request.keep !== undefined && request.keep > limits.maxTokens) throw new InvalidArgumentError('keep', `keep is ${request.keep}; at most ${limits.maxTokens} (--max-tokens)`);
  const n = tokensOf(request.input);
  if (n === undefined) return;
  const dense = limits.maxDenseTokens;
  if (method.name === 'd2pruner' && params.graph === 'dense' && n > dense) {
    throw new HttpError('PAYLOAD_TOO_LARGE', 'graph', `graph=dense builds an N×N matrix; N is ${n}, at most ${dense} here (--max-dense-tokens); use graph=lazy`);
  }
  if (method.name === 'cdpruner') {
    let budget: number;
    try {
      budget = Math.min(n, resolveBudget({ keep: request.keep, ratio: request.ratio }, n));
    } catch {
      return;
    }
    if (budget * n > dense * dense) throw new HttpError('PAYLOAD_TOO_LARGE', 'keep', `CDPruner holds keep·N = ${budget}·${n} values; at most ${dense}² here (--max-dense-tokens)`);
  }
}
