import { kebabCase, type Method, type ParamSpec } from '@d2pruner/core';
import { Type, type TObject, type TSchema } from 'typebox';

/** JSON-schema annotations of a parameter (documentation only: defaults are filled by the method). */
function annotations(p: ParamSpec): Record<string, unknown> {
  const a: Record<string, unknown> = { description: p.description };
  if (p.default !== undefined && p.default !== null) a.default = p.default;
  if (p.defaultNote) a['x-default'] = p.defaultNote;
  return a;
}

/**
 * The JSON schema of one method parameter, derived from its ParamSpec (type, enum, [min, max],
 * description, default): the one declaration the route validation, the OpenAPI document and the
 * CLI flags all come from.
 */
export function paramSchema(p: ParamSpec): TSchema {
  const a = annotations(p);
  const range = { ...(p.min !== undefined ? { minimum: p.min } : {}), ...(p.max !== undefined ? { maximum: p.max } : {}) };
  switch (p.type) {
    case 'integer':
      return Type.Integer({ ...a, ...range });
    case 'number':
      return Type.Number({ ...a, ...range });
    case 'boolean':
      return Type.Boolean(a);
    default:
      return p.enum ? Type.String({ ...a, enum: [...p.enum] }) : Type.String(a);
  }
}

/** A method's parameters as one object schema (unknown names refused), e.g. OpenAPI `params.d2pruner`. */
export function methodParamsSchema(m: Method): TObject {
  const properties: Record<string, TSchema> = {};
  for (const p of m.params) properties[p.name] = Type.Optional(paramSchema(p));
  return Type.Object(properties, { additionalProperties: false, description: `${m.name}: ${m.description}. In the query string give each as ?name=value (camelCase or kebab-case).` });
}

/**
 * Query-string properties for the parameters of every method: camelCase and kebab-case names.
 * A name that several methods declare alike keeps its full schema (range, enum); where they
 * differ, only the common type is checked here and the method checks its own range.
 */
export function paramQueryProperties(methods: readonly Method[]): Record<string, TSchema> {
  const byName = new Map<string, ParamSpec[]>();
  for (const m of methods) for (const p of m.params) byName.set(p.name, [...(byName.get(p.name) ?? []), p]);
  const out: Record<string, TSchema> = {};
  for (const [name, specs] of byName) {
    const first = specs[0];
    const alike = specs.every((s) => s.type === first.type && s.min === first.min && s.max === first.max && String(s.enum) === String(first.enum));
    const users = [...new Set(methods.filter((m) => m.params.some((p) => p.name === name)).map((m) => m.name))].join(', ');
    let schema: TSchema;
    if (alike) schema = paramSchema({ ...first, description: `${first.description} (${users})` });
    else if (specs.every((s) => s.type === 'integer' || s.type === 'number')) schema = Type.Number({ description: `method parameter of ${users}; range per method` });
    else schema = Type.String({ description: `method parameter of ${users}` });
    out[name] = Type.Optional(schema);
    if (kebabCase(name) !== name) out[kebabCase(name)] = Type.Optional(schema);
  }
  return out;
}
