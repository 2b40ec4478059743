import { MAX_JSON_DEPTH, TENSOR_NAMES, type TokenInput } from '@d2pruner/core';
import secureJson from 'secure-json-parse';
import type { TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import { HttpError, type AjvError } from '../http-error.js';
import { schemaErrors } from '../schemas/errors.js';
import type { InputCaps } from './caps.js';
import { tokenInputFromJson } from './json-input.js';
import { checkJsonCounts, jsonBounds } from './json-scan.js';
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

/** A schema check failed: the errors in Ajv's format, as Fastify reports them (`validationContext: 'body'`). */
export class BodyValidationError extends Error {
  readonly validationContext = 'body';
  constructor(readonly validation: AjvError[]) {
    super('the JSON body does not match the schema');
  }
}

/** The keys a parsed body keeps as request fields; the rest (tensors, `layout`, `model`) are in its input. */
const INPUT_KEYS: ReadonlySet<string> = new Set([...TENSOR_NAMES, 'layout', 'model']);

/** Parses `POST /v1/prune` JSON bodies under one set of caps and the route's body schema. */
export class PruneBodyParser {
  private readonly check: ReturnType<typeof Compile>;

  /**
   * @param caps the server's input caps
   * @param schema the route's JSON body schema (`jsonPruneBodySchema`)
   */
  constructor(
    private readonly caps: InputCaps,
    private readonly schema: TSchema,
  ) {
    this.check = Compile(schema);
  }

  /**
   * Parses and checks one body. Throws what the small-body path throws for the same text: 413
   * `PAYLOAD_TOO_LARGE` / 400 `MALFORMED_BODY` from the structure scan, a `SyntaxError` for text
   * that is not JSON or holds `__proto__` / `constructor.prototype`, a
   * {@link BodyValidationError}, or the typed errors of the request fields and tensors.
   */
  parse(text: string): ParsedPruneBody {
    const scan = checkJsonCounts(text, 'body', jsonBounds(this.caps));
    if (scan.over === 'depth') throw new HttpError('MALFORMED_BODY', 'body', `the JSON body nests arrays or objects more than ${MAX_JSON_DEPTH} deep`);
    const body: unknown = secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' });
    if (!this.check.Check(body)) throw new BodyValidationError(schemaErrors(this.schema, body));
    const record = body as Record<string, unknown>;
    pruneSpecFromBody(record, this.caps.maxTokens);
    const input = tokenInputFromJson(record, this.caps, new Set(PRUNE_BODY_KEYS));
    const fields: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(record)) if (!INPUT_KEYS.has(key)) fields[key] = value;
    return { fields, input };
  }
}
