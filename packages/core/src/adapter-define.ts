import type {
  AdapterOptions,
  CostQuery,
  CostReport,
  ImageSize,
  ModelAdapter,
  PlaceholderIds,
  PriorKey,
  TokenGeometry,
  TokenLayout,
} from './adapter.js';
import { findVisualSpans } from './adapter-spans.js';
import { kvBytesSaved, prefillCost, visionMacs, type LlmDims, type VisionDims } from './cost.js';
import { InvalidArgumentError, InvalidInputError, ShapeMismatchError } from './errors.js';
import { layoutSignature, validateLayout, type Layout } from './layout.js';
import type { ParamSpec } from './method.js';
import { resolveParams } from './params.js';
import { assertInteger } from './validate.js';

/**
 * The narrow contract an adapter author writes (docs/architecture.md §3 item 6); {@link defineAdapter}
 * turns it into a full {@link ModelAdapter}. `O` is the type of the resolved layout options.
 */
export interface AdapterSpec<O extends object = Record<string, unknown>> {
  /** Adapter id, e.g. `llava-1.5-7b` (also the registry name). */
  id: string;
  /** Model family. */
  family: string;
  /** Other names it answers to. */
  aliases?: readonly string[];
  /** One-line description. */
  description: string;
  /** LLM dimensions. */
  llm: LlmDims;
  /** Vision-encoder dimensions, when known. */
  vision?: VisionDims;
  /** Default pruning layer K. */
  defaultLayer: number;
  /** Default non-visual token count for the cost model. */
  defaultTextTokens: number;
  /** Layout options with defaults (validated and filled before `geometry` is called). */
  layoutOptions?: readonly ParamSpec[];
  /** Placeholder ids for {@link ModelAdapter.visualSpans}. */
  placeholders: PlaceholderIds;
  /** Visual tokens per image when constant (lets a sentinel expand without `tokensPerImage`). */
  fixedTokens?: number;
  /** The visual tokens of an image of this size under the (resolved) options. */
  geometry(image: ImageSize, options: O): TokenGeometry;
}

/** Throws unless the image size has positive integer width and height. */
export function checkImageSize(image: ImageSize): void {
  if (typeof image !== 'object' || image === null) throw new InvalidInputError('image', 'image must be {width, height}');
  assertInteger('image.width', image.width, 1);
  assertInteger('image.height', image.height, 1);
}

/**
 * Completes a geometry into a {@link TokenLayout}: candidates are the non-structural tokens in
 * sequence order; their layout is validated against the frames.
 */
export function buildTokenLayout(model: string, image: ImageSize, g: TokenGeometry): TokenLayout {
  const n = g.frame.length;
  for (const [key, len] of [['row', g.row.length], ['col', g.col.length], ['padding', g.padding.length], ['structural', g.structural.length], ['box', g.box.length / 4]] as const) {
    if (len !== n) throw new ShapeMismatchError(`layout.${key}`, `adapter '${model}' produced ${len} ${key} entries for ${n} tokens`);
  }
  const candidateIndex = new Int32Array(n).fill(-1);
  const picked: number[] = [];
  for (let i = 0; i < n; i++) {
    if (g.structural[i]) continue;
    candidateIndex[i] = picked.length;
    picked.push(i);
  }
  const candidates = Int32Array.from(picked);
  const pick = (a: Int32Array) => Int32Array.from(picked, (i) => a[i]);
  const layout: Layout = { frames: g.frames.map((f) => ({ rows: f.rows, cols: f.cols })), frame: pick(g.frame), row: pick(g.row), col: pick(g.col) };
  validateLayout(layout, candidates.length);
  return { ...g, model, image: { width: image.width, height: image.height }, tokens: n, candidates, candidateIndex, layout };
}

function resolveOptions<O extends object>(id: string, specs: readonly ParamSpec[], raw: AdapterOptions | undefined): O {
  const known = new Set(specs.map((s) => s.name));
  for (const key of Object.keys(raw ?? {})) {
    if (!known.has(key)) {
      throw new InvalidArgumentError(key, `adapter '${id}' has no option '${key}'; options: ${[...known].join(', ') || '(none)'}`);
    }
  }
  return resolveParams<O>(id, specs, raw ?? {});
}

/**
 * Builds a full {@link ModelAdapter} from its narrow spec: option validation, candidate layout,
 * placeholder spans, prior keys and the cost model come from core.
 */
export function defineAdapter<O extends object = Record<string, unknown>>(spec: AdapterSpec<O>): ModelAdapter {
  if (!spec.id) throw new InvalidArgumentError('adapter', 'an adapter needs an id');
  assertInteger('defaultLayer', spec.defaultLayer);
  if (spec.defaultLayer > spec.llm.layers) throw new InvalidInputError('defaultLayer', `defaultLayer must be ≤ ${spec.llm.layers}`);
  assertInteger('defaultTextTokens', spec.defaultTextTokens);
  const specs = spec.layoutOptions ?? [];

  const layout = (image: ImageSize, options?: AdapterOptions): TokenLayout => {
    checkImageSize(image);
    return buildTokenLayout(spec.id, image, spec.geometry(image, resolveOptions<O>(spec.id, specs, options)));
  };

  const priorKey = (layer: number, lay: Layout): PriorKey => {
    assertInteger('layer', layer);
    if (layer > spec.llm.layers) throw new InvalidInputError('layer', `layer must be in [0, ${spec.llm.layers}], got ${layer}`);
    const sig = layoutSignature(lay);
    return { model: spec.id, layer, layoutSignature: sig, key: `${spec.id}@L${layer}#${sig}` };
  };

  const cost = (q: CostQuery): CostReport => {
    let visual = q.visual;
    let passes: number[] | undefined;
    if (q.image !== undefined) {
      const lay = layout(q.image, q.layoutOptions);
      passes = lay.encoderPasses;
      visual ??= lay.tokens;
    }
    if (visual === undefined) throw new InvalidInputError('visual', 'give the visual token count or an image size');
    const layer = q.layer ?? spec.defaultLayer;
    const text = q.text ?? spec.defaultTextTokens;
    const base = prefillCost(spec.llm, { visual, keep: q.keep, text, layer, formula: q.formula });
    const report: CostReport = { ...base, model: spec.id, visual, keep: q.keep, layer, text, kvBytesSaved: kvBytesSaved(spec.llm, { visual, keep: q.keep, layer }) };
    if (passes && spec.vision) report.visionMacs = visionMacs(spec.vision, passes);
    return report;
  };

  return {
    name: spec.id,
    id: spec.id,
    family: spec.family,
    aliases: [...(spec.aliases ?? [])],
    description: spec.description,
    llm: spec.llm,
    vision: spec.vision,
    defaultLayer: spec.defaultLayer,
    defaultTextTokens: spec.defaultTextTokens,
    layoutOptions: specs,
    placeholders: { ...spec.placeholders },
    layout,
    visualSpans: (inputIds, options) => findVisualSpans(inputIds, spec.placeholders, options, spec.fixedTokens),
    priorKey,
    cost,
  };
}
