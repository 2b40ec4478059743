import type { FlopsFormula, LlmDims, PrefillCost, VisionDims } from './cost.js';
import type { FrameSize, Layout } from './layout.js';
import type { MethodParams, ParamSpec } from './method.js';
import { Registry } from './registry.js';

/** Size of an input image in pixels. */
export interface ImageSize {
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
}

/** What a frame (2-D canvas) of a model's visual tokens shows. */
export type FrameKind = 'grid' | 'base' | 'hires' | 'canvas' | 'thumbnail';

/** A frame with its role (LLaVA-NeXT base vs high-res view, InternVL canvas vs thumbnail…). */
export interface FrameInfo extends FrameSize {
  /** What the frame shows. */
  kind: FrameKind;
}

/** Adapter-specific preprocessing options (e.g. `maxTiles`), validated against `layoutOptions`. */
export type AdapterOptions = MethodParams;

/**
 * The geometry of the visual tokens of one image, as a model's preprocessing produces them: one
 * entry per visual **sequence** token (structural ones such as LLaVA-NeXT newlines included), in
 * sequence order. This is what an adapter author writes; {@link defineAdapter} derives the rest.
 */
export interface TokenGeometry {
  /** The frames; `frame[i]` indexes this list. */
  frames: FrameInfo[];
  /** Frame of each token. */
  frame: Int32Array;
  /** Row of each token on its frame (structural tokens: the row they close). */
  row: Int32Array;
  /** Column of each token (structural tokens may sit one past the last column). */
  col: Int32Array;
  /** Region of each token in original-image pixels, 4 values per token `[x0, y0, x1, y1]`, clipped to the image. */
  box: Float64Array;
  /** 1 where a token covers only padding (no image content); such tokens are still candidates. */
  padding: Uint8Array;
  /** 1 where a token is structural (not image content, never a pruning candidate). */
  structural: Uint8Array;
  /** Sequence length of each vision-encoder pass (CLS included), for the encoder's cost. */
  encoderPasses: number[];
  /** Preprocessing decisions worth reporting (grid, resized size, offsets…). */
  details: Record<string, number | string | boolean>;
}

/**
 * A model's visual tokens for one image: the geometry plus the prunable candidates, their
 * {@link Layout}, and the candidate ↔ visual-token mapping. Visual-token index i is sequence
 * position `span.start + i` (see {@link ModelAdapter.visualSpans}).
 */
export interface TokenLayout extends TokenGeometry {
  /** Adapter id. */
  model: string;
  /** The image size the layout was computed for. */
  image: ImageSize;
  /** Visual sequence tokens, structural ones included. */
  tokens: number;
  /** Visual-token index of each candidate, ascending. */
  candidates: Int32Array;
  /** Candidate index of each visual token, −1 for structural ones. */
  candidateIndex: Int32Array;
  /** Layout of the candidates (what pruning methods receive). */
  layout: Layout;
}

/** One image's run of visual tokens in a sequence. */
export interface VisualSpan {
  /** Image number, in order of appearance. */
  image: number;
  /** Sequence position of the first visual token (after placeholder expansion). */
  start: number;
  /** Visual tokens in the run. */
  length: number;
  /** Index in `inputIds` of the placeholder that produced the run (its first token). */
  inputIndex: number;
}

/** Placeholder token ids a model uses for images. */
export interface PlaceholderIds {
  /** Id repeated once per visual token (HF LLaVA 32000, InternVL `<IMG_CONTEXT>`, Qwen `<|image_pad|>`). */
  imageTokenId: number;
  /** Id of a single-token sentinel that expands to a whole image (original LLaVA: −200). */
  sentinelId?: number;
  /** Text token opening an image block (never pruned), when the model has one. */
  imageStartId?: number;
  /** Text token closing an image block (never pruned), when the model has one. */
  imageEndId?: number;
}

/** Options of {@link ModelAdapter.visualSpans}. */
export interface SpanOptions {
  /** Overrides the adapter's repeated placeholder id. */
  imageTokenId?: number;
  /** Overrides the adapter's sentinel id. */
  sentinelId?: number;
  /**
   * Visual tokens per image (one number for all, or one per image). Needed to expand sentinels
   * of models with a variable token count, and to split runs of adjacent images.
   */
  tokensPerImage?: number | readonly number[];
}

/** The key a positional prior is stored under (docs/formats.md §1, docs/algorithm.md §6). */
export interface PriorKey {
  /** Adapter id (`d2pruner.model`). */
  model: string;
  /** LLM layer whose attention was averaged (`d2pruner.layer`). */
  layer: number;
  /** {@link layoutSignature} of the candidates' layout (`d2pruner.layoutSignature`). */
  layoutSignature: string;
  /** All three joined, usable as a map key: `model@Llayer#signature`. */
  key: string;
}

/** What {@link ModelAdapter.cost} is asked. */
export interface CostQuery {
  /** Visual sequence tokens; when absent, derived from `image`. */
  visual?: number;
  /** Image size, used when `visual` is absent and for the encoder cost. */
  image?: ImageSize;
  /** Options passed to {@link ModelAdapter.layout} when `image` is used. */
  layoutOptions?: AdapterOptions;
  /** Visual tokens kept. */
  keep: number;
  /** Pruning layer K; default the adapter's `defaultLayer`. */
  layer?: number;
  /** Non-visual tokens; default the adapter's `defaultTextTokens`. */
  text?: number;
  /** Formula; default `fastv`. */
  formula?: FlopsFormula;
}

/** The answer of {@link ModelAdapter.cost}. */
export interface CostReport extends PrefillCost {
  /** Adapter id. */
  model: string;
  /** Visual tokens of the full sequence. */
  visual: number;
  /** Visual tokens kept. */
  keep: number;
  /** Pruning layer K. */
  layer: number;
  /** Non-visual tokens. */
  text: number;
  /** KV-cache bytes saved (16-bit values). */
  kvBytesSaved: number;
  /** Vision-encoder MACs (unchanged by pruning), when an image was given and the adapter knows its encoder. */
  visionMacs?: number;
}

/**
 * A model adapter: everything the library needs to know about one multimodal model to prune it
 * (docs/models.md §7). Build one with {@link defineAdapter} and add it with {@link registerAdapter}.
 */
export interface ModelAdapter {
  /** Registry name; same as `id`. */
  readonly name: string;
  /** Adapter id, e.g. `llava-1.5-7b`. */
  readonly id: string;
  /** Model family, e.g. `llava`, `internvl`. */
  readonly family: string;
  /** Other names (checkpoint names) it answers to. */
  readonly aliases: readonly string[];
  /** One-line description. */
  readonly description: string;
  /** LLM dimensions. */
  readonly llm: LlmDims;
  /** Vision-encoder dimensions, when known (for the optional encoder cost). */
  readonly vision?: VisionDims;
  /** Default pruning layer K (attention and hidden states of layer K−1 feed the scorer). */
  readonly defaultLayer: number;
  /** Default count of non-visual prompt tokens for the cost model. */
  readonly defaultTextTokens: number;
  /** Preprocessing options accepted by `layout`, with their defaults. */
  readonly layoutOptions: readonly ParamSpec[];
  /** Image placeholder ids. */
  readonly placeholders: PlaceholderIds;
  /** The visual tokens an image becomes (options validated against `layoutOptions`). */
  layout(image: ImageSize, options?: AdapterOptions): TokenLayout;
  /** Where the images' visual tokens sit in a sequence, found from placeholder ids. */
  visualSpans(inputIds: ArrayLike<number | bigint>, options?: SpanOptions): VisualSpan[];
  /** The key of a positional prior for this model, layer and layout. */
  priorKey(layer: number, layout: Layout): PriorKey;
  /** Prefill cost before/after pruning. */
  cost(query: CostQuery): CostReport;
}

/** The process-wide adapter registry. Adapter packages add theirs through explicit register functions. */
export const adapterRegistry = new Registry<ModelAdapter>('adapter');

/** Registers a (user) adapter so the CLI, pipelines and server can use it by id or alias. */
export function registerAdapter(adapter: ModelAdapter, options?: { replace?: boolean }): void {
  adapterRegistry.register(adapter, options);
}

/** Looks up an adapter by id or alias; throws `UnknownNameError` (field `adapter`) when absent. */
export function getAdapter(id: string): ModelAdapter {
  return adapterRegistry.get(id);
}

/** Every registered adapter, in registration order. */
export function listAdapters(): ModelAdapter[] {
  return adapterRegistry.list();
}
