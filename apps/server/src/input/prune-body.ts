import { TENSOR_NAMES, type TokenInput } from '@d2pruner/core';
import type { TSchema } from 'typebox';
import type { InputCaps } from './caps.js';
import { CheckedJsonParser } from './checked-json.js';
import { tokenInputFromJson } from './json-input.js';
import { PRUNE_BODY_KEYS, pruneSpecFromBody } from './request.js';

/*
 * A JSON body of `POST /v1/prune` parsed in full — the steps the event loop takes for a small
 * body (the structure scan, `JSON.parse` without prototype keys, the route's schema, the request
 * fields, the tensors into typed arrays), in that order, so that any error is the same — for
 * large bodies, which a worker thread parses (json-body-pool.ts) while the event loop serves
 * other requests.
 */

/** The key under which a body parsed off the event loop carries its token input. */
export const PARSED_INPUT: unique symbol = Symbol('d2pruner.parsedInput');

/** A parsed body: its request fields (`method`, `keep`, `params`, …) and its token input (typed arrays). */
export interface ParsedPruneBody {
  fields: Record<string, unknown>;
  input: TokenInput;
}

/** The keys a parsed body keeps as request fields; the rest (tensors, `layout`, `model`) are in its input. */
const INPUT_KEYS: ReadonlySet<string> = new Set([...TENSOR_NAMES, 'layout', 'model']);

/** Parses `POST /v1/prune` JSON bodies under one set of caps and the route's body schema. */
export class PruneBodyParser {
  private readonly json: CheckedJsonParser;

  /**
   * @param caps the server's input caps
   * @param schema the route's JSON body schema (`jsonPruneBodySchema`)
   */
  constructor(
    private readonly caps: InputCaps,
    schema: TSchema,
  ) {
    this.json = new CheckedJsonParser(caps, schema);
  }

  /**
   * Parses and checks one body. Throws what the small-body path throws for the same text: the
   * errors of {@link CheckedJsonParser.parse}, then the typed errors of the request fields and
   * tensors.
   */
  parse(text: string): ParsedPruneBody {
    const record = this.json.parse(text) as Record<string, unknown>;
    pruneSpecFromBody(record, this.caps.maxTokens);
    const input = tokenInputFromJson(record, this.caps, new Set(PRUNE_BODY_KEYS));
    const fields: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(record)) if (!INPUT_KEYS.has(key)) fields[key] = value;
    return { fields, input };
  }
}
