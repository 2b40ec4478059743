import secureJson from 'secure-json-parse';
import type { TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import type { AjvError } from '../http-error.js';
import { schemaErrors } from '../schemas/errors.js';
import type { InputCaps } from './caps.js';
import { checkJsonBody, jsonBounds } from './json-scan.js';

/** A schema check failed: the errors in Ajv's format, as Fastify reports them (`validationContext: 'body'`). */
export class BodyValidationError extends Error {
  readonly validationContext = 'body';
  constructor(readonly validation: AjvError[]) {
    super('the JSON body does not match the schema');
  }
}

/**
 * The steps the event loop takes for a JSON body before a route's handler, in its order — the
 * structure scan, `JSON.parse` without prototype keys (Fastify's parser), the route's schema —
 * for a parser that runs them on another thread and must throw the same errors.
 */
export class CheckedJsonParser {
  private readonly check: ReturnType<typeof Compile>;

  /**
   * @param caps the server's input caps (the JSON structure bounds)
   * @param schema the route's JSON body schema
   */
  constructor(
    private readonly caps: InputCaps,
    private readonly schema: TSchema,
  ) {
    this.check = Compile(schema);
  }

  /**
   * The body of `text`, checked: 413 `PAYLOAD_TOO_LARGE` / 400 `MALFORMED_BODY` from the structure
   * scan, a `SyntaxError` for text that is not JSON or holds `__proto__` /
   * `constructor.prototype`, or a {@link BodyValidationError}.
   */
  parse(text: string): unknown {
    checkJsonBody(text, jsonBounds(this.caps));
    const body: unknown = secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' });
    if (!this.check.Check(body)) throw new BodyValidationError(schemaErrors(this.schema, body));
    return body;
  }
}
