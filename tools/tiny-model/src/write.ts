import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { assertInteger, InvalidArgumentError } from '@d2pruner/core';
import { buildDecoder, buildDecoderPart } from './decoder.js';
import { buildEmbedTokens } from './embed.js';
import { jsonFiles } from './files.js';
import { IMAGE_TOKENS, resolveTinyModelConfig, type TinyModelConfig, type TinyModelOptions } from './options.js';
import { checkTinyModelSize } from './size.js';
import { buildTokenizer } from './tokenizer.js';
import { buildVisionEncoder } from './vision.js';

/** What {@link writeTinyModel} wrote. */
export interface TinyModelSummary {
  /** The model directory. */
  dir: string;
  /** The resolved sizes. */
  config: TinyModelConfig;
  /** Vocabulary size. */
  vocabSize: number;
  /** `image_token_index`. */
  imageTokenId: number;
  /** Visual tokens per image (576). */
  imageTokens: number;
  /** Files written (relative paths) with their sizes in bytes. */
  files: Record<string, number>;
  /** Split pairs written, by layer K (directory relative to the model). */
  splits: Record<number, string>;
}

/** What else {@link writeTinyModel} writes. */
export interface TinyModelExtras {
  /**
   * Layers K (1 ≤ K < layers) to also write a split decoder pair for, in `split-k{K}/`:
   * `part_a.onnx` (layers 0…K−1), `part_b.onnx` (layers K…L−1) and `split.json`, with the
   * merged decoder's weights (see `buildDecoderPart`).
   */
  splitLayers?: readonly number[];
}

/** Directory of the split pair for layer K inside a model directory. */
export function splitDirName(layer: number): string {
  return `split-k${layer}`;
}

/** The `split.json` of a split pair (the format `@d2pruner/transformers` reads). */
export function splitJson(c: TinyModelConfig, layer: number, source: string): object {
  return {
    format: 'd2pruner-split-decoder',
    version: 1,
    layer,
    layers: c.layers,
    hidden: c.hidden,
    heads: c.heads,
    kvHeads: c.heads,
    headDim: c.hidden / c.heads,
    source,
    partA: 'part_a.onnx',
    partB: 'part_b.onnx',
    attention: 'probabilities',
  };
}

/**
 * Writes a random-weight tiny LLaVA into `dir` in the transformers.js layout: `config.json`,
 * `generation_config.json`, `preprocessor_config.json`, `processor_config.json`,
 * `tokenizer.json`, `tokenizer_config.json`, `special_tokens_map.json` and
 * `onnx/{vision_encoder,embed_tokens,decoder_model_merged}.onnx`, plus a split decoder pair in
 * `split-k{K}/` for each of `extras.splitLayers`. The same options always give byte-identical
 * files. Sizes whose graphs would not fit an ONNX file are refused before anything is written
 * ({@link checkTinyModelSize}).
 */
export async function writeTinyModel(dir: string, options: TinyModelOptions = {}, extras: TinyModelExtras = {}): Promise<TinyModelSummary> {
  const config = resolveTinyModelConfig(options);
  const splitLayers = [...new Set(extras.splitLayers ?? [])];
  for (const k of splitLayers) {
    assertInteger('splitLayers', k, 1);
    if (k >= config.layers) throw new InvalidArgumentError('splitLayers', `a split layer must be in [1, ${config.layers - 1}] for ${config.layers} layers, got ${k}`);
  }
  const tok = buildTokenizer();
  checkTinyModelSize(config, tok.vocabSize);
  await mkdir(join(dir, 'onnx'), { recursive: true });
  const files: Record<string, number> = {};
  const put = async (name: string, data: Uint8Array | string) => {
    await writeFile(join(dir, name), data);
    files[name] = typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength;
  };
  for (const [name, json] of Object.entries(jsonFiles(config, tok))) await put(name, JSON.stringify(json, null, 2) + '\n');
  await put('onnx/embed_tokens.onnx', buildEmbedTokens(config, tok));
  await put('onnx/vision_encoder.onnx', buildVisionEncoder(config));
  await put('onnx/decoder_model_merged.onnx', buildDecoder(config, tok));
  const splits: Record<number, string> = {};
  for (const k of splitLayers) {
    const sub = splitDirName(k);
    await mkdir(join(dir, sub), { recursive: true });
    await put(`${sub}/part_a.onnx`, buildDecoderPart(config, tok, { kind: 'a', layer: k }));
    await put(`${sub}/part_b.onnx`, buildDecoderPart(config, tok, { kind: 'b', layer: k }));
    await put(`${sub}/split.json`, JSON.stringify(splitJson(config, k, 'onnx/decoder_model_merged.onnx'), null, 2) + '\n');
    splits[k] = sub;
  }
  return { dir, config, vocabSize: tok.vocabSize, imageTokenId: tok.imageId, imageTokens: IMAGE_TOKENS, files, splits };
}
