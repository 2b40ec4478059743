import { registerInternVLAdapters } from '@d2pruner/adapter-internvl';
import { registerLlavaAdapters } from '@d2pruner/adapter-llava';
import {
  InvalidArgumentError,
  UnknownNameError,
  flopsJson,
  getAdapter,
  isD2PrunerError,
  kebabCase,
  layoutReportJson,
  listAdapters,
  parseImageSize,
  type AdapterOptions,
  type FlopsFormula,
  type Method,
  type ModelAdapter,
  type ParamSpec,
} from '@d2pruner/core';
import { listMethods } from '@d2pruner/methods';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
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

/**
 * The adapter a route's `model` query parameter names: an unknown id is `UNKNOWN_NAME` with
 * field `model` (the parameter the client gave), not the registry's `adapter`.
 */
function adapterOfQuery(id: string): ModelAdapter {
  try {
    return adapterById(id);
  } catch (e) {
    if (isD2PrunerError(e) && e.code === 'UNKNOWN_NAME') throw new UnknownNameError('model', id, listAdapters().map((a) => a.id));
    throw e;
  }
}

/** Adapter options from the (validated) query: `max-tiles` or `maxTiles`, not both. */
function layoutOptions(query: { 'max-tiles'?: number; maxTiles?: number }): AdapterOptions | undefined {
  if (query['max-tiles'] !== undefined && query.maxTiles !== undefined) {
    throw new InvalidArgumentError('max-tiles', 'max-tiles and maxTiles are two spellings of one option: give it once');
  }
  const maxTiles = query['max-tiles'] ?? query.maxTiles;
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

  const typed = app.withTypeProvider<TypeBoxTypeProvider>();

  typed.get('/v1/flops', { schema: schemas.flops }, async ({ query: q }) => {
    // as `d2pruner flops`: the visual token count and the image size are alternatives
    if (q.visual !== undefined && q.image !== undefined) throw new InvalidArgumentError('image', 'visual and image are alternatives: give the token count or the image size, not both');
    const layout = layoutOptions(q);
    if (layout !== undefined && q.image === undefined) {
      throw new InvalidArgumentError('max-tiles', 'max-tiles only applies with image=WxH (it changes how the image is tiled); with visual give the token count it yields');
    }
    return flopsJson(adapterOfQuery(q.model), {
      keep: q.keep,
      visual: q.visual,
      image: q.image ? parseImageSize(q.image) : undefined,
      layoutOptions: layout,
      layer: q.layer,
      text: q.text,
      formula: (q.formula ?? 'fastv') as FlopsFormula,
    });
  });

  typed.get('/v1/layout', { schema: schemas.layout }, async ({ query: q }) => layoutReportJson(adapterOfQuery(q.model).layout(parseImageSize(q.image), layoutOptions(q))));
}
