import { InvalidArgumentError, LAYOUT_MAX_CELLS, camelCase, gridLayout, parseDecimal, parseParamValue, type Layout, type MethodParams } from '@d2pruner/core';
import { getMethod } from '@d2pruner/methods';
import { HttpError } from '../http-error.js';

/** What a pruning request asks for, besides the tokens (API names, docs/formats.md §3). */
export interface PruneSpec {
  /** Method name or alias (default `d2pruner`). */
  method?: string;
  /** Tokens to keep. */
  keep?: number;
  /** Fraction of N to keep. */
  ratio?: number;
  /** Method parameters, API names. */
  params: MethodParams;
  /** `auto`, `cpu` or `webgpu` (default: the server's). */
  backend?: string;
  /** Layout for an input that carries none (`grid=RxC`). */
  layout?: Layout;
  /** A bundled sample as the input. */
  sample?: string;
}

/** Query keys that are not method parameters. */
export const PRUNE_QUERY_KEYS: readonly string[] = ['method', 'keep', 'ratio', 'backend', 'grid', 'sample'];

/** Request keys of a JSON body (besides the tensors). */
export const PRUNE_BODY_KEYS: readonly string[] = [...PRUNE_QUERY_KEYS, 'params'];

function one(query: Record<string, unknown>, key: string): string | undefined {
  const v = query[key];
  if (v === undefined) return undefined;
  if (Array.isArray(v)) throw new InvalidArgumentError(key, `query parameter '${key}' is given ${v.length} times`);
  return String(v);
}

function numberValue(key: string, raw: string | number): number {
  const v = typeof raw === 'number' ? raw : parseDecimal(raw);
  if (v === undefined || !Number.isFinite(v)) throw new InvalidArgumentError(key, `${key} must be a decimal number, got '${raw}'`);
  return v;
}

/**
 * Parses `RxC` (e.g. `24x24`) into a single-frame layout. A grid of more than `maxCells` cells
 * (the server passes `--max-tokens`: a grid holds one token per cell) is 413 naming the field,
 * refused before anything is allocated.
 */
export function gridFromText(text: string, field = 'grid', maxCells = LAYOUT_MAX_CELLS): Layout {
  const m = /^(\d{1,9})[xX×](\d{1,9})$/.exec(text.trim());
  if (!m || Number(m[1]) < 1 || Number(m[2]) < 1) throw new InvalidArgumentError(field, `${field} must be RxC with positive integers (e.g. 24x24), got '${text.slice(0, 40)}'`);
  const cells = Number(m[1]) * Number(m[2]);
  if (cells > maxCells) throw new HttpError('PAYLOAD_TOO_LARGE', field, `${field} ${m[1]}x${m[2]} has ${cells} cells; this server accepts at most ${maxCells} tokens (--max-tokens)`);
  return gridLayout(Number(m[1]), Number(m[2]));
}

/**
 * Reads a prune request from the query string: `method`, `keep` | `ratio`, `backend`, `grid`,
 * `sample`, and every other key as a method parameter (camelCase or kebab-case), parsed by the
 * method's ParamSpec. Unknown parameters and malformed numbers are typed errors naming them.
 */
export function pruneSpecFromQuery(query: Record<string, unknown>, methodDefault?: string, maxGridCells?: number): PruneSpec {
  const spec: PruneSpec = { params: {} };
  const method = one(query, 'method') ?? methodDefault;
  if (method !== undefined) spec.method = method;
  const keep = one(query, 'keep');
  if (keep !== undefined) spec.keep = numberValue('keep', keep);
  const ratio = one(query, 'ratio');
  if (ratio !== undefined) spec.ratio = numberValue('ratio', ratio);
  const backend = one(query, 'backend');
  if (backend !== undefined) spec.backend = backend;
  const grid = one(query, 'grid');
  if (grid !== undefined) spec.layout = gridFromText(grid, 'grid', maxGridCells);
  const sample = one(query, 'sample');
  if (sample !== undefined) spec.sample = sample;
  const paramKeys = Object.keys(query).filter((k) => !PRUNE_QUERY_KEYS.includes(k));
  if (paramKeys.length === 0) return spec;
  const m = getMethod(spec.method ?? 'd2pruner');
  const specs = new Map(m.params.map((p) => [p.name, p]));
  for (const key of paramKeys) {
    const name = camelCase(key);
    const p = specs.get(name);
    if (!p) throw new InvalidArgumentError(key, `method '${m.name}' has no parameter '${key}'; parameters: ${m.params.map((x) => x.name).join(', ') || '(none)'}`);
    if (name in spec.params) throw new InvalidArgumentError(key, `parameter '${name}' is given twice (camelCase and kebab-case are two spellings of one parameter)`);
    spec.params[name] = parseParamValue(p, one(query, key) as string);
  }
  return spec;
}

/** The request fields of a JSON body, as the route schema has checked them. */
type BodyFields = { method?: string; keep?: number; ratio?: number; backend?: string; grid?: string; sample?: string; params?: MethodParams };

/**
 * Reads the request fields of a JSON body (`method`, `keep`, `ratio`, `params`, `backend`,
 * `grid`, `sample`). Their types were checked by the route's body schema before the handler
 * ran; values are left to the method.
 */
export function pruneSpecFromBody(body: Record<string, unknown>, maxGridCells?: number): PruneSpec {
  const b = body as BodyFields;
  const spec: PruneSpec = { params: { ...(b.params ?? {}) } };
  if (b.method !== undefined) spec.method = b.method;
  if (b.keep !== undefined) spec.keep = b.keep;
  if (b.ratio !== undefined) spec.ratio = b.ratio;
  if (b.backend !== undefined) spec.backend = b.backend;
  if (b.grid !== undefined) spec.layout = gridFromText(b.grid, 'grid', maxGridCells);
  if (b.sample !== undefined) spec.sample = b.sample;
  return spec;
}

/** The body's spec with the query's fields on top (the query wins; parameters are merged). */
export function mergeSpecs(body: PruneSpec, query: PruneSpec): PruneSpec {
  const out: PruneSpec = { ...body, ...stripUndefined(query), params: { ...body.params, ...query.params } };
  if (query.keep !== undefined && query.ratio === undefined) delete out.ratio;
  if (query.ratio !== undefined && query.keep === undefined) delete out.keep;
  return out;
}

function stripUndefined(spec: PruneSpec): Partial<PruneSpec> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(spec)) if (v !== undefined && k !== 'params') out[k] = v;
  return out as Partial<PruneSpec>;
}
