import { InvalidArgumentError, InvalidInputError, quoteValue } from './errors.js';
import type { MethodParams, ParamSpec } from './method.js';
import { parseDecimal } from './validate.js';

/** Converts camelCase to kebab-case (`pivotRatio` → `pivot-ratio`), the CLI flag form. */
export function kebabCase(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** Converts kebab-case to camelCase (`pivot-ratio` → `pivotRatio`). */
export function camelCase(name: string): string {
  return name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/**
 * Parses a CLI string value into the parameter's type; throws naming the parameter when it
 * does not parse (numbers: plain decimal text only, see {@link parseDecimal}).
 */
export function parseParamValue(spec: ParamSpec, raw: string): number | string | boolean {
  switch (spec.type) {
    case 'number':
    case 'integer': {
      const v = parseDecimal(raw);
      if (v === undefined) throw new InvalidArgumentError(spec.name, `${spec.name} (--${kebabCase(spec.name)}) expects a decimal number, got '${raw}'`);
      return v;
    }
    case 'boolean':
      if (raw === 'true' || raw === '1') return true;
      if (raw === 'false' || raw === '0') return false;
      throw new InvalidArgumentError(spec.name, `--${kebabCase(spec.name)} expects true or false, got '${raw}'`);
    default:
      return raw;
  }
}

/**
 * Checks raw parameters against a method's specs and fills defaults: unknown names, wrong types,
 * values outside [min, max] or outside an enum each throw naming the parameter.
 */
export function resolveParams<T extends object>(method: string, specs: readonly ParamSpec[], raw: MethodParams = {}): T {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new InvalidArgumentError('params', `method '${method}' takes its parameters as an object of name → value, got ${raw === null ? 'null' : Array.isArray(raw) ? 'an array' : typeof raw}`);
  }
  const out: Record<string, unknown> = {};
  const known = new Map(specs.map((s) => [s.name, s]));
  for (const key of Object.keys(raw)) {
    if (!known.has(key)) {
      throw new InvalidArgumentError(key, `method '${method}' has no parameter '${key}'; parameters: ${specs.map((s) => s.name).join(', ') || '(none)'}`);
    }
  }
  for (const spec of specs) {
    const v = raw[spec.name];
    if (v === undefined || v === null) {
      if (spec.default !== undefined && spec.default !== null) out[spec.name] = spec.default;
      continue;
    }
    checkParam(spec, v);
    out[spec.name] = v;
  }
  return out as T;
}

function checkParam(spec: ParamSpec, v: unknown): void {
  const bad = (what: string) => new InvalidInputError(spec.name, `${spec.name} ${what}, got ${quoteValue(v)}`);
  switch (spec.type) {
    case 'number':
    case 'integer':
      if (typeof v !== 'number' || !Number.isFinite(v)) throw bad('must be a finite number');
      if (spec.type === 'integer' && !Number.isInteger(v)) throw bad('must be an integer');
      if (spec.min !== undefined && v < spec.min) throw bad(`must be ≥ ${spec.min}`);
      if (spec.max !== undefined && v > spec.max) throw bad(`must be ≤ ${spec.max}`);
      return;
    case 'boolean':
      if (typeof v !== 'boolean') throw bad('must be true or false');
      return;
    case 'string':
      if (typeof v !== 'string') throw bad('must be a string');
      if (spec.enum && !spec.enum.includes(v)) throw bad(`must be one of ${spec.enum.join(', ')}`);
  }
}
