import type { TokenInput } from '@d2pruner/core';
import type { PrefillMacs } from './cost.js';
import type { ImageKeep } from './select.js';

/** What pruning did to one image. */
export interface ImagePruning {
  /** Image number in the batch. */
  image: number;
  /** Batch row. */
  row: number;
  /** Sequence position of the image's first visual token (before pruning). */
  start: number;
  /** Visual tokens of the image before pruning. */
  before: number;
  /** Visual tokens kept. */
  after: number;
  /** Kept visual-token indices (0…before−1), ascending. */
  kept: number[];
  /** Where the importance came from (`relevance`, `cls`, `vector`, `function`, or `none` when pruning is off). */
  importance: string;
  /** Kernel backend the method ran on, when it says. */
  backend?: string;
  /** Layer-(K−1) attention of the last prompt token over the image's tokens (layer ≥ 1). */
  attention?: Float32Array;
  /** The method's full input, when `captureInputs` was on. */
  input?: TokenInput;
}

/** The report entry of one pruned image. */
export function imageReport(image: number, row: number, run: { start: number; length: number }, keep: ImageKeep, attention?: Float32Array): ImagePruning {
  const r: ImagePruning = { image, row, start: run.start, before: run.length, after: keep.kept.length, kept: keep.kept, importance: keep.importance, backend: keep.backend };
  if (attention) r.attention = attention;
  if (keep.input) r.input = keep.input;
  return r;
}

/** One prefill through a patched model: token counts and timings. */
export interface PrefillReport {
  /** Method name, or null when pruning was off (`enabled: false`). */
  method: string | null;
  /** Visual tokens over all images, before and after pruning. */
  visualTokens: { before: number; after: number };
  /** Sequence length of each row before pruning. */
  sequenceBefore: number;
  /** Sequence length layers ≥ K prefilled (= `sequenceBefore` − visual tokens dropped per row). */
  prefillTokens: number;
  /** Per image. */
  images: ImagePruning[];
  /** Text embedding + vision encoder + merge, ms. */
  encodeMs: number;
  /** Importance + selection + gathering the kept rows, ms (0 when pruning is off). */
  pruneMs: number;
  /** The LLM prefill (decoder forward over `prefillTokens` tokens; with layer ≥ 1, part A + part B), ms. */
  prefillMs: number;
  /** Pruning layer K (0: before the LLM). */
  layer: number;
  /** With layer ≥ 1: part A's prefill (layers 0…K−1, every token), ms. */
  partAMs?: number;
  /** With layer ≥ 1: part B's prefill (layers K…L−1, kept tokens), ms. */
  partBMs?: number;
  /** Prefill MACs by part, when config.json gives the LLM's sizes. */
  macs?: PrefillMacs;
}
