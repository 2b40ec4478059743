import type { FastifySchemaCompiler } from 'fastify';
import type { TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import { parseDecimal } from '@d2pruner/core';
import { schemaErrors } from './errors.js';


type Props = Record<string, { type?: unknown } | undefined>;

/**
 * Query-string values turned into the types their schema declares, strictly: a decimal text
 * becomes a number (`6.5` stays 6.5, so an integer property refuses it), `true`/`false`/`1`/`0` a
 * boolean; anything else is left as it came, for the schema check to refuse. A repeated key
 * stays an array and is refused likewise.
 */
export function queryValues(schema: TSchema, value: unknown): unknown {
  const props = (schema as { properties?: Props }).properties;
  if (!props || typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  for (const [key, raw] of Object.entries(out)) {
    const type = props[key]?.type;
    if (typeof raw !== 'string') continue;
    const v = type === 'integer' || type === 'number' ? parseDecimal(raw) : undefined;
    if (v !== undefined) out[key] = v;
    else if (type === 'boolean' && (raw === 'true' || raw === '1' || raw === 'false' || raw === '0')) out[key] = raw === 'true' || raw === '1';
  }
  return out;
}

/**
 * The server's schema compiler: TypeBox's compiled checks of the route schemas. Bodies are
 * checked as sent (no coercion: `"8"` is not a number); query strings and path parameters go
 * through {@link queryValues} first. Errors keep Ajv's format (`instancePath`, `keyword`, `params`);
 * they come from {@link schemaErrors}, linear in the value (TypeBox's own list of every error
 * took seconds for a large body).
 */
export const validatorCompiler: FastifySchemaCompiler<TSchema> = ({ schema, httpPart }) => {
  const check = Compile(schema);
  return (value: unknown) => {
    const v = httpPart === 'body' ? value : queryValues(schema, value);
    if (check.Check(v)) return { value: v };
    return { error: schemaErrors(schema, v) as unknown as Error };
  };
};
