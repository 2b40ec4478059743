import { InvalidArgumentError, ShapeMismatchError, type Matrix } from '@d2pruner/core';
import { throwIfAborted, type AbortSignalLike } from './abort.js';
import { llmDimsOfConfig, prefillMacsByPart } from './cost.js';
import { mergePrefill, rowsAt, runsOf, textPositions } from './merge.js';
import { asLlavaModel, imageTokenIdOf } from './model-check.js';
import { resolvePruningOptions, type PruningOptions, type ResolvedPruningOptions } from './options.js';
import { imageReport, type ImagePruning, type PrefillReport } from './report.js';
import { selectImage } from './select.js';
import { gatherPositions, keptPositions, type SpanKeep } from './sequence.js';
import type { ForwardInputs, LlavaModelLike, ProcessorLike, TensorData } from './types.js';

/** A model patched by {@link withPruning}. */
export interface PrunedModel<M extends object = object> {
  /** The same model object, now pruning at every prefill. */
  readonly model: M;
  /** The resolved options. */
  readonly options: Readonly<ResolvedPruningOptions>;
  /** The report of the latest prefill, if any. */
  readonly lastPrefill: PrefillReport | undefined;
  /** Removes the patch: the model behaves exactly as before. */
  restore(): void;
}

const PATCHED = Symbol.for('d2pruner.transformers.patched');

const now = () => performance.now();

function isPrefill(inputs: ForwardInputs): boolean {
  return !inputs.inputs_embeds && !!inputs.pixel_values && !!inputs.input_ids && inputs.input_ids.dims[1] !== 1;
}

/**
 * The pruned prefill: embed text, encode images, merge as transformers.js does, select each
 * image's tokens, drop the unselected placeholder rows from `inputs_embeds` and the attention
 * mask together, then run the model's own forward on the shorter sequence. Position ids are
 * recomputed from the shorter mask (contiguous, as LLaVA's pre-LLM pruning does), the KV cache
 * is built from the shorter sequence, and transformers.js' decode steps rebuild the mask from
 * the cache length, so generation stays consistent. `signal` is checked after the vision
 * encoding and after the selection (an aborted one throws its reason).
 */
async function prunedPrefill(
  m: LlavaModelLike,
  forward: LlavaModelLike['forward'],
  merge: LlavaModelLike['_merge_input_ids_with_image_features'],
  opts: ResolvedPruningOptions,
  inputs: ForwardInputs,
  signal: AbortSignalLike | undefined,
): Promise<{ outputs: Record<string, unknown>; report: PrefillReport }> {
  const mp = await mergePrefill(m, merge, inputs, opts.clsAttentionOutput);
  throwIfAborted(signal);
  const { B, S, d, ids, imageId, embeds: full, embedsData: fullData, mask, features: featData, Tensor } = mp;
  const t1 = now();
  const positions: Int32Array[] = [];
  const report: ImagePruning[] = [];
  let image = 0;
  let featRow = 0;
  for (let b = 0; b < B; b++) {
    const row = ids.slice(b * S, (b + 1) * S);
    const text = rowsAt(fullData, b * S * d, d, textPositions(row, imageId));
    const spans: SpanKeep[] = [];
    for (const run of runsOf(row, imageId)) {
      if ((featRow + run.length) * d > featData.length) throw new ShapeMismatchError('image_features', `the prompt has more image placeholders than the encoder produced features`);
      const features: Matrix = { rows: run.length, cols: d, data: featData.subarray(featRow * d, (featRow + run.length) * d) };
      const cls = mp.clsAttention?.subarray(featRow, featRow + run.length);
      const keep = await selectImage(opts, { image, row: b, features, text, clsAttention: cls && cls.length === run.length ? cls : undefined });
      spans.push({ start: run.start, length: run.length, kept: keep.kept });
      report.push(imageReport(image, b, run, keep));
      image++;
      featRow += run.length;
    }
    positions.push(keptPositions(S, spans));
  }
  const S2 = positions[0]?.length ?? S;
  const prunedEmbeds = new Tensor(full.type, gatherPositions(full.data, B, S, d, positions), [B, S2, d]);
  // A mask longer than the prompt covers a cache passed in by the caller: keep those columns.
  const T = mask.dims[1];
  const P = T - S;
  if (P < 0) throw new ShapeMismatchError('attention_mask', `the attention mask has ${T} columns for ${S} tokens`);
  const maskPositions = P === 0 ? positions : positions.map((p) => Int32Array.from({ length: P + p.length }, (_, j) => (j < P ? j : P + p[j - P])));
  const prunedMask = new Tensor(mask.type, gatherPositions(mask.data as TensorData, B, T, 1, maskPositions), [B, P + S2]);
  const t2 = now();
  throwIfAborted(signal);

  const outputs = await forward.call(m, { ...inputs, inputs_embeds: prunedEmbeds, attention_mask: prunedMask });
  const t3 = now();
  const before = report.reduce((a, r) => a + r.before, 0);
  const after = report.reduce((a, r) => a + r.after, 0);
  const dims = llmDimsOfConfig(m.config);
  return {
    outputs,
    report: {
      method: opts.method?.name ?? null,
      visualTokens: { before, after },
      sequenceBefore: S,
      prefillTokens: S2,
      images: report,
      encodeMs: mp.encodeMs,
      pruneMs: opts.method ? t2 - t1 : 0,
      prefillMs: t3 - t2,
      layer: 0,
      ...(dims ? { macs: prefillMacsByPart(dims, 0, S, S2) } : {}),
    },
  };
}

/**
 * Makes a loaded transformers.js LLaVA-family model prune visual tokens at every prefill of
 * `generate` (or direct `forward` call with pixel values), in place.
 *
 * This is **pre-LLM pruning (K = 0)**: tokens are chosen where the projected image features are
 * merged into the text embeddings, from signals available there (text–image relevance of the
 * embeddings, the vision encoder's CLS attention, or a caller vector), and every LLM layer sees
 * the shorter sequence. It differs from pruning inside the LLM at layer K = 2 (FastV, DART, the
 * D2Pruner paper's setting): no LLM attention or hidden states are available to score tokens,
 * and layers 0…K−1 are saved too. Positions are re-indexed contiguously (docs/models.md §6.2).
 *
 * @param model a model from `LlavaForConditionalGeneration.from_pretrained` (or OneVision)
 * @param processor its processor (optional; a padding image processor switches the default layout to `pad`)
 * @param options method, budget (`keep` or `ratio`), params, importance source, adapter
 * @returns a handle with the latest prefill report and `restore()`
 */
export function withPruning<M extends object>(model: M, processor: ProcessorLike | null | undefined, options: PruningOptions): PrunedModel<M> {
  return patchModel(model, processor, options, undefined);
}

/**
 * {@link withPruning} whose pruned prefill checks `signal` between its stages (vision encoding,
 * selection, the LLM prefill). Internal: `generateWithPruning`'s layer-0 path (the package
 * index exports `withPruning` only).
 */
export function patchModel<M extends object>(model: M, processor: ProcessorLike | null | undefined, options: PruningOptions, signal: AbortSignalLike | undefined): PrunedModel<M> {
  const m = asLlavaModel(model);
  if ((m as unknown as Record<symbol, unknown>)[PATCHED]) throw new InvalidArgumentError('model', 'the model is already patched by withPruning; call restore() on the first handle');
  const padded = processor?.image_processor?.do_pad === true || processor?.image_processor?.config?.do_pad === true;
  const opts = resolvePruningOptions(options, padded);
  if (opts.layer > 0) {
    throw new InvalidArgumentError('layer', `withPruning prunes before the LLM inside transformers.js' generate (layer 0); layer ${opts.layer} runs a split decoder pair: use generateWithPruning(loaded, { pruning: { layer: ${opts.layer}, … } })`);
  }
  imageTokenIdOf(m);
  const hadOwnForward = Object.prototype.hasOwnProperty.call(m, 'forward');
  const forward = m.forward;
  const merge = m._merge_input_ids_with_image_features;
  let last: PrefillReport | undefined;
  m.forward = async function patchedForward(inputs: ForwardInputs) {
    if (!inputs || !isPrefill(inputs)) return forward.call(m, inputs);
    const { outputs, report } = await prunedPrefill(m, forward, merge, opts, inputs, signal);
    last = report;
    opts.onPrefill?.(report);
    return outputs;
  };
  (m as unknown as Record<symbol, unknown>)[PATCHED] = true;
  let restored = false;
  return {
    model,
    options: opts,
    get lastPrefill() {
      return last;
    },
    restore() {
      if (restored) return;
      restored = true;
      if (hadOwnForward) m.forward = forward;
      else delete (m as unknown as Record<string, unknown>).forward;
      delete (m as unknown as Record<symbol, unknown>)[PATCHED];
    },
  };
}
