import { describe, expect, it } from 'vitest';
import { uniformRng } from '@d2pruner/core';
import { Compile } from 'typebox/compile';
import { validationError, type AjvError } from '../src/http-error.js';
import { BatchLineSchema, jsonPruneBodySchema } from '../src/schemas/bodies.js';
import { schemaErrors } from '../src/schemas/errors.js';

const pruneBody = jsonPruneBodySchema(['d2pruner', 'fastv']);

/** A small valid prune body, then `edits` random breakages (wrong types, extra keys, bad elements deep in the tensors). */
function brokenBody(rand: () => number, edits: number): Record<string, unknown> {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  const n = 1 + Math.floor(rand() * 4);
  const d = 1 + Math.floor(rand() * 3);
  const body: Record<string, unknown> = {
    keep: Math.floor(rand() * n),
    features: rand() < 0.7 ? Array.from({ length: n }, () => Array.from({ length: d }, () => rand())) : { rows: n, cols: d, data: Array.from({ length: n * d }, () => rand()) },
    attention: rand() < 0.7 ? Array.from({ length: n }, () => rand()) : [Array.from({ length: n }, () => rand())],
  };
  if (rand() < 0.5) body.params = { alpha: rand() };
  if (rand() < 0.3) body.method = 'd2pruner';
  const junk = () => pick<unknown>(['x', null, true, {}, [], [['y']], -1, 1.5, { rows: -1 }, [1, 'z']]);
  for (let k = 0; k < edits; k++) {
    const where = pick(['keep', 'features', 'attention', 'params', 'method', 'ratio', 'extra', 'deep', 'deep', 'deep']);
    if (where === 'deep') {
      const f = body.features;
      if (Array.isArray(f)) {
        const row = f[Math.floor(rand() * f.length)] as unknown[];
        if (Array.isArray(row)) row[Math.floor(rand() * row.length)] = junk();
        else f[0] = junk();
      } else if (typeof f === 'object' && f !== null && Array.isArray((f as { data?: unknown }).data)) (f as { data: unknown[] }).data[0] = junk();
    } else body[where] = junk();
  }
  return body;
}

/** The error the server reports, from TypeBox's full list and from {@link schemaErrors}. */
function reported(schema: Parameters<typeof schemaErrors>[0], value: unknown, context: string) {
  const full = [...Compile(schema).Errors(value)] as unknown as AjvError[];
  return { typebox: validationError({ validation: full, validationContext: context }), walk: validationError({ validation: schemaErrors(schema, value), validationContext: context }) };
}

describe('schemaErrors: the error TypeBox reports, without walking every element', () => {
  it('reports the same error as TypeBox’s full list on 3000 randomly broken prune bodies and batch lines', () => {
    const rand = uniformRng(11);
    let checked = 0;
    for (let i = 0; i < 3000; i++) {
      const body = brokenBody(rand, 1 + Math.floor(rand() * 3));
      const [schema, value, context] = i % 3 === 0 ? [BatchLineSchema, { input: body.features === undefined ? 'x' : { features: body.features, attention: body.attention }, keep: body.keep }, 'line'] : [pruneBody, body, 'body'];
      if (Compile(schema).Check(value)) continue;
      const { typebox, walk } = reported(schema, value, context);
      expect(walk, JSON.stringify(value)).toEqual(typebox);
      checked++;
    }
    expect(checked).toBeGreaterThan(2000);
  });

  it('walks at most 16 failing elements of an array: 100 000 bad rows give a short list (TypeBox lists every one)', () => {
    const features = Array.from({ length: 100_000 }, () => [1, 'x']);
    const value = { keep: 1, features, attention: [1] };
    const errors = schemaErrors(pruneBody, value);
    expect(errors.length).toBeLessThan(100);
    expect(validationError({ validation: errors, validationContext: 'body' })).toMatchObject({ code: 'INVALID_INPUT', field: 'features[0][1]' });
  });

  it('a valid value nested in a failing one is not walked: one bad prior after 4M valid feature values is found by compiled checks', () => {
    const row = Array.from({ length: 1024 }, () => 0);
    const value = { keep: 1, features: Array.from({ length: 4096 }, () => row), attention: Array.from({ length: 4096 }, () => 0), prior: [0, 'x'] };
    expect(validationError({ validation: schemaErrors(pruneBody, value), validationContext: 'body' })).toEqual({ code: 'INVALID_INPUT', field: 'prior[1]', message: "field 'prior[1]' must be number" });
  });
});
