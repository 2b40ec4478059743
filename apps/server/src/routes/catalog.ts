import { registerInternVLAdapters } from '@d2pruner/adapter-internvl';
import { registerLlavaAdapters } from '@d2pruner/adapter-llava';
import {
  InvalidArgumentError,
  flopsJson,
  getAdapter,
  kebabCase,
  layoutReportJson,
  parseImageSize,
  type AdapterOptions,
  type Method,
  type ModelAdapter,
  type ParamSpec,
} from '@d2pruner/core';
import { listMethods } from '@d2pruner/methods';
import type { FastifyInstance } from 'fastify';
import type { RouteSchemas } from '../schemas/routes.js';
import type { ServerState } from '../state.js';

/** A method as `GET /v1/methods` (and `d2pruner methods --json`) describes it. */
export interface MethodJson {
  name: string;
  aliases: readonly string[];
  description: string;
  inputs: { required: readonly string[]; optional: readonly string[]; layout: boolean };
  params: (ParamSpec & { flag: string; query: string })[];
}

/** The description of one method: inputs, parameters with defaults, the CLI flag and query key of each. */
export function methodJson(m: Method): MethodJson {
  return {
    name: m.name,
    aliases: m.aliases ?? [],
    description: m.description,
    inputs: { required: m.requires, optional: m.optional, layout: m.needsLayout },
    params: m.params.map((p) => ({ ...p, flag: `--${kebabCase(p.name)}`, query: p.name })),
  };
}

/** Registers the built-in adapters (idempotent) and looks one up. */
export function adapterById(id: string): ModelAdapter {
  registerLlavaAdapters();
  registerInternVLAdapters();
  return getAdapter(id);
}

type Query = Record<string, unknown>;

function str(query: Query, key: string): string | undefined {
  const v = query[key];
  if (v === undefined) return undefined;
  if (Array.isArray(v)) throw new InvalidArgumentError(key, `query parameter '${key}' is given ${v.length} times`);
  return String(v);
}

function num(query: Query, key: string): number | undefined {
  const v = str(query, key);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError(key, `${key} must be a number, got '${v}'`);
  return n;
}

function layoutOptions(query: Query): AdapterOptions | undefined {
  const maxTiles = num(query, 'max-tiles') ?? num(query, 'maxTiles');
  return maxTiles === undefined ? undefined : { maxTiles };
}

/**
 * `GET /v1/methods`, `GET /v1/samples`, `GET /samples/NAME.safetensors`, `GET /v1/flops` and
 * `GET /v1/layout` (the JSON of `d2pruner methods|flops|layout --json`).
 */
export function catalogRoutes(app: FastifyInstance, state: ServerState, schemas: RouteSchemas): void {
  app.get('/v1/methods', { schema: schemas.methods }, async () => listMethods().map(methodJson));

  app.get('/v1/samples', { schema: schemas.samples }, async () => state.samples.list());

  app.get<{ Params: { file: string } }>('/samples/:file', { schema: schemas.sampleFile }, async (request, reply) => {
    const file = request.params.file;
    const name = file.endsWith('.safetensors') ? file.slice(0, -'.safetensors'.length) : file;
    const bytes = await state.samples.read(name, 'sample');
    return reply.type('application/octet-stream').header('cache-control', 'public, max-age=3600').send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  });

  app.get('/v1/flops', { schema: schemas.flops }, async (request) => {
    const q = request.query as Query;
    const model = str(q, 'model');
    if (!model) throw new InvalidArgumentError('model', 'flops needs ?model=ID');
    const keep = num(q, 'keep');
    if (keep === undefined) throw new InvalidArgumentError('keep', 'flops needs ?keep=N');
    const image = str(q, 'image');
    const formula = str(q, 'formula') ?? 'fastv';
    if (formula !== 'fastv' && formula !== 'exact') throw new InvalidArgumentError('formula', `formula must be fastv or exact, got '${formula}'`);
    return flopsJson(adapterById(model), {
      keep,
      visual: num(q, 'visual'),
      image: image ? parseImageSize(image) : undefined,
      layoutOptions: layoutOptions(q),
      layer: num(q, 'layer'),
      text: num(q, 'text'),
      formula,
    });
  });

  app.get('/v1/layout', { schema: schemas.layout }, async (request) => {
    const q = request.query as Query;
    const model = str(q, 'model');
    const image = str(q, 'image');
    if (!model) throw new InvalidArgumentError('model', 'layout needs ?model=ID');
    if (!image) throw new InvalidArgumentError('image', 'layout needs ?image=WxH');
    return layoutReportJson(adapterById(model).layout(parseImageSize(image), layoutOptions(q)));
  });
}
