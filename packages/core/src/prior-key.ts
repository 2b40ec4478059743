import { adapterRegistry } from './adapter.js';
import { InvalidInputError, quoteValue } from './errors.js';

/**
 * The parts of a prior's key (docs/algorithm.md §6: model, layer, layout signature) besides the
 * layout that a prior file or a token file may record (`d2pruner.model`, `d2pruner.layer`).
 * A part left undefined is not recorded, and is then never compared.
 */
export interface RecordedKey {
  /** Adapter id or alias (`d2pruner.model`). */
  model?: string;
  /** Layer K (`d2pruner.layer`). */
  layer?: number;
}

/** What a prior records, as {@link checkPriorKey} compares it with an input. */
export interface PriorKeyCheck extends RecordedKey {
  /**
   * Every name `model` goes by, lower-cased ({@link modelNames}), resolved where the adapters
   * are registered: a worker thread whose registry holds no adapter still matches aliases.
   * Default: `model` is resolved through this thread's adapter registry.
   */
  modelNames?: readonly string[];
}

/** A model id as compared: its registered adapter's id (aliases, any case), else the text as written, lower-cased. */
export function modelKey(id: string): string {
  return (adapterRegistry.find(id)?.id ?? id).toLowerCase();
}

/**
 * Every name, lower-cased, that {@link modelKey} maps to the same key as `id`: the registered
 * adapter's id and aliases, else `id` itself.
 */
export function modelNames(id: string): string[] {
  const adapter = adapterRegistry.find(id);
  if (!adapter) return [id.toLowerCase()];
  return [adapter.id, adapter.name, ...(adapter.aliases ?? [])].map((n) => n.toLowerCase()).filter((n, i, all) => all.indexOf(n) === i);
}

/** Whether two recorded model ids name the same adapter (compared by {@link modelKey}). */
export function sameModel(a: string, b: string): boolean {
  return modelKey(a) === modelKey(b);
}

function matchesModel(prior: PriorKeyCheck & { model: string }, model: string): boolean {
  return prior.modelNames ? prior.modelNames.includes(model.toLowerCase()) || prior.modelNames.includes(modelKey(model)) : sameModel(prior.model, model);
}

/**
 * Checks that a prior belongs to an input's model and layer (docs/algorithm.md §6): when both
 * record a model they must name the same adapter, when both record a layer the layers must be
 * equal; a part either side does not record is not checked. Throws INVALID_INPUT naming `prior`,
 * its message naming the part that differs.
 */
export function checkPriorKey(prior: PriorKeyCheck, input: RecordedKey): void {
  if (prior.model !== undefined && input.model !== undefined && !matchesModel({ ...prior, model: prior.model }, input.model)) {
    throw new InvalidInputError('prior', `the prior was calibrated for model ${quoteValue(prior.model)}, but this input was recorded with model ${quoteValue(input.model)}; calibrate a prior for this model`);
  }
  if (prior.layer !== undefined && input.layer !== undefined && prior.layer !== input.layer) {
    throw new InvalidInputError('prior', `the prior was calibrated at layer ${prior.layer}, but this input was recorded at layer ${input.layer}; calibrate a prior for this layer`);
  }
}

/**
 * The layer a `d2pruner.layer` metadata value records: undefined when absent or empty (a prior
 * calibrated without a layer writes ''), else an integer ≥ 0; anything else is INVALID_INPUT
 * naming `field`.
 */
export function parseRecordedLayer(text: string | undefined, field = 'layer'): number | undefined {
  if (text === undefined || text === '') return undefined;
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw new InvalidInputError(field, `d2pruner.layer must be an integer ≥ 0, got '${text.length > 40 ? `${text.slice(0, 40)}…` : text}'`);
  }
  return Number(text);
}

/**
 * The key a prior file's metadata records (docs/formats.md §1): `d2pruner.model` (undefined when
 * absent, empty or `unknown`, as `calibrate` writes for no model), `d2pruner.layer` (see
 * {@link parseRecordedLayer}; errors name `prior`) and `d2pruner.layoutSignature` (undefined
 * when absent or empty).
 */
export function priorKeyFromMetadata(metadata: Readonly<Record<string, string>>): RecordedKey & { layoutSignature?: string } {
  const out: RecordedKey & { layoutSignature?: string } = {};
  const model = metadata['d2pruner.model'];
  if (model !== undefined && model !== '' && model !== 'unknown') out.model = model;
  const layer = parseRecordedLayer(metadata['d2pruner.layer'], 'prior');
  if (layer !== undefined) out.layer = layer;
  const signature = metadata['d2pruner.layoutSignature'];
  if (signature !== undefined && signature !== '') out.layoutSignature = signature;
  return out;
}
