import { InvalidInputError, ShapeMismatchError } from '@d2pruner/core';
import { throwIfAborted, type AbortSignalLike } from '../abort.js';
import { llmDimsOfConfig, prefillMacsByPart } from '../cost.js';
import { mergePrefill } from '../merge.js';
import type { ResolvedPruningOptions } from '../options.js';
import type { PrefillReport } from '../report.js';
import { gatherPositions, keptPositions } from '../sequence.js';
import { SPLIT_NAMES } from '../split/names.js';
import { float32Data, intData } from '../tensors.js';
import type { ForwardInputs, LlavaModelLike, TensorConstructor, TensorData, TensorLike } from '../types.js';
import type { LogitsProcessorFn } from './logits.js';
import { keyRows, selectAtLayer, type LayerSignals } from './signals.js';
import type { SplitDecoder } from './split-decoder.js';

/** Options of {@link generateSplit}. */
export interface SplitGenerateOptions {
  /** Tokens to generate at most. */
  maxNewTokens: number;
  /** Token ids that end generation (kept in the output, as transformers.js does). */
  eos: ReadonlySet<number>;
  /** Called with each generated token id. */
  onToken?: (id: number) => void;
  /** Applied to each step's last logits before the argmax, as transformers.js' generate does ({@link logitsProcessorOf}). */
  logitsProcessor?: LogitsProcessorFn;
  /**
   * Checked before the vision encoding, between the stages (part A prefill, selection, part B
   * prefill) and before each token is handed out and each decode step: once aborted, generation
   * throws the signal's reason and `onToken` is not called again.
   */
  signal?: AbortSignalLike;
}

/** What {@link generateSplit} returns. */
export interface SplitGenerateResult {
  /** Generated token ids. */
  tokenIds: number[];
  /** The prefill report (layer K, part timings, MACs by part). */
  report: PrefillReport;
}

type OrtOut = Record<string, { dims: readonly number[]; type: string; data: unknown }>;

/** One part's KV cache: the `present.{l}.*` of its last run, fed back as `past_key_values.{l}.*`. */
class PartCache {
  private tensors: Record<string, unknown>;

  constructor(
    private readonly layers: readonly number[],
    empty: unknown,
  ) {
    this.tensors = {};
    for (const l of layers) for (const kv of ['key', 'value']) this.tensors[`past_key_values.${l}.${kv}`] = empty;
  }

  feeds(): Record<string, unknown> {
    return this.tensors;
  }

  update(out: OrtOut): void {
    for (const l of this.layers) for (const kv of ['key', 'value']) this.tensors[`past_key_values.${l}.${kv}`] = out[`present.${l}.${kv}`];
  }
}

function cacheShape(split: SplitDecoder, config: LlavaModelLike['config']): { heads: number; headDim: number } {
  const t = (config.text_config ?? {}) as Record<string, unknown>;
  const heads = split.config.kvHeads ?? (t.num_key_value_heads as number | undefined) ?? (t.num_attention_heads as number | undefined);
  const headDim = split.config.headDim ?? (t.head_dim as number | undefined) ?? (heads && typeof t.hidden_size === 'number' ? t.hidden_size / (t.num_attention_heads as number) : undefined);
  if (!heads || !headDim) throw new InvalidInputError('split', 'cannot tell the KV-cache shape (kvHeads, headDim): neither split.json nor config.json text_config gives it');
  return { heads, headDim };
}

/** Greedy pick from the last row of logits [1, S, V], after the logits processors (when given) saw every id so far. */
function argmaxLast(logits: TensorLike, Tensor: TensorConstructor, ids: bigint[], process?: LogitsProcessorFn): number {
  const [, S, V] = logits.dims;
  let data = float32Data(logits, 'logits').subarray((S - 1) * V, S * V);
  if (process) data = float32Data(process([ids], new Tensor('float32', data.slice(), [1, V])), 'logits');
  let best = 0;
  for (let i = 1; i < V; i++) if (data[i] > data[best]) best = i;
  return best;
}

const int64 = (Tensor: TensorConstructor, values: readonly number[]) => new Tensor('int64', BigInt64Array.from(values, (v) => BigInt(v)), [1, values.length]).ort_tensor;

/**
 * Greedy generation with pruning inside the LLM at layer K, through a split decoder pair
 * (batch 1):
 * 1. embed the prompt, encode and merge the image as transformers.js does;
 * 2. prefill part A (layers 0…K−1) on every token; it returns the residual stream `H^(K−1)`,
 *    its cache and the layer-(K−1) attention of the last prompt token;
 * 3. per image, run the method on: importance = that attention over the image tokens (or the
 *    chosen `importance`), `prior`, features = the image rows of `H^(K−1)`, keys = layer K−1's
 *    keys (heads concatenated), text hidden states / keys, projected embeddings, the layout;
 * 4. prefill part B (layers K…L−1) on the kept rows with their original position ids, then
 *    hand the prefill report to `opts.onPrefill` before any token is decoded (as at layer 0);
 * 5. decode token by token through both parts, each with its own cache and mask: part A sees
 *    every token, part B only the kept ones; both use the same (original) next position.
 *
 * An aborted `run.signal` throws its reason between these steps and between decode steps.
 */
export async function generateSplit(model: LlavaModelLike, split: SplitDecoder, opts: ResolvedPruningOptions, inputs: ForwardInputs, run: SplitGenerateOptions): Promise<SplitGenerateResult> {
  const batch = inputs.input_ids?.dims[0];
  if (batch !== 1) throw new InvalidInputError('input_ids', `generation at layer ${split.layer} runs one prompt at a time; got a batch of ${String(batch)}`);
  const { signal } = run;
  throwIfAborted(signal);
  const mp = await mergePrefill(model, model._merge_input_ids_with_image_features, inputs, opts.clsAttentionOutput);
  throwIfAborted(signal);
  const { S, d, Tensor } = mp;
  const mask = intData(mp.mask);
  if (mask.length !== S) throw new ShapeMismatchError('attention_mask', `the attention mask has ${mask.length} columns for ${S} tokens`);
  let seen = 0;
  const positions = mask.map((m) => (m ? seen++ : 1));
  const { heads, headDim } = cacheShape(split, model.config);
  const wrap = (o: { dims: readonly number[]; type: string; data: unknown }) => new Tensor(o.type, o.data as TensorData, [...o.dims]);
  const empty = new Tensor(mp.embeds.type, mp.embeds.type === 'float16' ? new Uint16Array(0) : new Float32Array(0), [1, heads, 0, headDim]).ort_tensor;
  const cacheA = new PartCache(split.cacheLayers.a, empty);
  const cacheB = new PartCache(split.cacheLayers.b, empty);

  // Part A on every token.
  const t1 = performance.now();
  const embedsOrt = mp.embeds.ort_tensor ?? new Tensor(mp.embeds.type, mp.embeds.data, mp.embeds.dims).ort_tensor;
  const outA = (await split.partA.run({ inputs_embeds: embedsOrt, attention_mask: int64(Tensor, mask), position_ids: int64(Tensor, positions), ...cacheA.feeds() })) as OrtOut;
  cacheA.update(outA);
  const t2 = performance.now();
  throwIfAborted(signal);

  // Selection on layer-(K−1) signals.
  const keysName = `present.${split.layer - 1}.key`;
  const signals: LayerSignals = {
    hidden: float32Data(wrap(outA[SPLIT_NAMES.hidden]), SPLIT_NAMES.hidden),
    lastAttention: float32Data(wrap(outA[SPLIT_NAMES.lastAttention]), SPLIT_NAMES.lastAttention),
    keys: keyRows(float32Data(wrap(outA[keysName]), keysName), heads, S, headDim),
    keyWidth: heads * headDim,
  };
  const { spans, images } = await selectAtLayer(opts, mp, signals);
  const kept = keptPositions(S, spans);
  const S2 = kept.length;
  const hiddenOut = outA[SPLIT_NAMES.hidden];
  const keptHidden = new Tensor(hiddenOut.type, gatherPositions(hiddenOut.data as TensorData, 1, S, d, [kept]), [1, S2, d]).ort_tensor;
  const maskB = Array.from(kept, (p) => mask[p]);
  const t3 = performance.now();
  throwIfAborted(signal);

  // Part B on the kept rows, original positions.
  const outB = (await split.partB.run({ [SPLIT_NAMES.hidden]: keptHidden, attention_mask: int64(Tensor, maskB), position_ids: int64(Tensor, Array.from(kept, (p) => positions[p])), ...cacheB.feeds() })) as OrtOut;
  cacheB.update(outB);
  const t4 = performance.now();

  const dims = llmDimsOfConfig(model.config);
  const report: PrefillReport = {
    method: opts.method?.name ?? null,
    visualTokens: { before: images.reduce((a, r) => a + r.before, 0), after: images.reduce((a, r) => a + r.after, 0) },
    sequenceBefore: S,
    prefillTokens: S2,
    images,
    encodeMs: mp.encodeMs,
    pruneMs: opts.method ? t3 - t2 : 0,
    prefillMs: t2 - t1 + (t4 - t3),
    layer: split.layer,
    partAMs: t2 - t1,
    partBMs: t4 - t3,
    ...(dims ? { macs: prefillMacsByPart(dims, split.layer, S, S2) } : {}),
  };
  opts.onPrefill?.(report);

  const tokenIds: number[] = [];
  const ids = mp.ids.map((v) => BigInt(v));
  const pick = (logits: TensorLike) => argmaxLast(logits, Tensor, ids, run.logitsProcessor);
  let next = pick(wrap(outB.logits));
  let position = Math.max(...positions) + 1;
  for (;;) {
    throwIfAborted(signal);
    tokenIds.push(next);
    ids.push(BigInt(next));
    run.onToken?.(next);
    if (run.eos.has(next) || tokenIds.length >= run.maxNewTokens) break;
    throwIfAborted(signal);
    mask.push(1);
    maskB.push(1);
    const e = await model.encode_text({ input_ids: new Tensor('int64', BigInt64Array.of(BigInt(next)), [1, 1]) });
    const a = (await split.partA.run({ inputs_embeds: e.ort_tensor, attention_mask: int64(Tensor, mask), position_ids: int64(Tensor, [position]), ...cacheA.feeds() })) as OrtOut;
    cacheA.update(a);
    const b = (await split.partB.run({ [SPLIT_NAMES.hidden]: a[SPLIT_NAMES.hidden], attention_mask: int64(Tensor, maskB), position_ids: int64(Tensor, [position]), ...cacheB.feeds() })) as OrtOut;
    cacheB.update(b);
    position++;
    next = pick(wrap(b.logits));
  }

  return { tokenIds, report };
}
