import { InvalidArgumentError, assertInteger } from '@d2pruner/core';

/** CLIP-L/14-336 geometry of LLaVA-1.5 (docs/models.md §1.1): 336-px input, patch 14. */
export const IMAGE_SIZE = 336;
/** Patch side in pixels. */
export const PATCH_SIZE = 14;
/** Patches per side, 336 / 14. */
export const PATCH_GRID = IMAGE_SIZE / PATCH_SIZE;
/** Visual tokens per image, 24 × 24 (CLS dropped). */
export const IMAGE_TOKENS = PATCH_GRID * PATCH_GRID;

/** Sizes of a generated model; every field optional in {@link TinyModelOptions}. */
export interface TinyModelConfig {
  /** Seed of every random weight. Default 0. */
  seed: number;
  /** LLM hidden size d. Default 64. */
  hidden: number;
  /** LLM decoder layers. Default 2. */
  layers: number;
  /** LLM attention heads (= KV heads; head dim = hidden / heads, even). Default 4. */
  heads: number;
  /** LLM SwiGLU intermediate size. Default 3·hidden. */
  intermediate: number;
  /** Vision-tower width. Default 32. */
  visionHidden: number;
  /**
   * Vision-tower layers up to and including the feature layer. LLaVA reads layer −2 and
   * discards the last layer's output, so the last CLIP layer is not exported. Default 1.
   */
  visionLayers: number;
  /** Vision-tower heads. Default 2. */
  visionHeads: number;
  /** RoPE base θ. Default 10000. */
  ropeTheta: number;
  /** Maximum positions written to config.json. Default 4096. */
  maxPositions: number;
}

/** Options of {@link resolveTinyModelConfig}; absent fields take the defaults. */
export type TinyModelOptions = Partial<TinyModelConfig>;

/** Fills defaults and validates; typed errors name the offending option. */
export function resolveTinyModelConfig(options: TinyModelOptions = {}): TinyModelConfig {
  const hidden = options.hidden ?? 64;
  const c: TinyModelConfig = {
    seed: options.seed ?? 0,
    hidden,
    layers: options.layers ?? 2,
    heads: options.heads ?? 4,
    intermediate: options.intermediate ?? 3 * hidden,
    visionHidden: options.visionHidden ?? 32,
    visionLayers: options.visionLayers ?? 1,
    visionHeads: options.visionHeads ?? 2,
    ropeTheta: options.ropeTheta ?? 10000,
    maxPositions: options.maxPositions ?? 4096,
  };
  assertInteger('seed', c.seed);
  for (const k of ['hidden', 'layers', 'heads', 'intermediate', 'visionHidden', 'visionLayers', 'visionHeads', 'maxPositions'] as const) {
    assertInteger(k, c[k], 1);
  }
  if (!(c.ropeTheta > 0)) throw new InvalidArgumentError('ropeTheta', `ropeTheta must be positive, got ${c.ropeTheta}`);
  if (c.hidden % c.heads !== 0 || (c.hidden / c.heads) % 2 !== 0) {
    throw new InvalidArgumentError('heads', `hidden (${c.hidden}) must split into ${c.heads} heads of an even size`);
  }
  if (c.visionHidden % c.visionHeads !== 0) {
    throw new InvalidArgumentError('visionHeads', `visionHidden (${c.visionHidden}) must be a multiple of visionHeads (${c.visionHeads})`);
  }
  return c;
}
