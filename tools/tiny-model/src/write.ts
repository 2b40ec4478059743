import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildDecoder } from './decoder.js';
import { buildEmbedTokens } from './embed.js';
import { jsonFiles } from './files.js';
import { IMAGE_TOKENS, resolveTinyModelConfig, type TinyModelConfig, type TinyModelOptions } from './options.js';
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
}

/**
 * Writes a random-weight tiny LLaVA into `dir` in the transformers.js layout: `config.json`,
 * `generation_config.json`, `preprocessor_config.json`, `processor_config.json`,
 * `tokenizer.json`, `tokenizer_config.json`, `special_tokens_map.json` and
 * `onnx/{vision_encoder,embed_tokens,decoder_model_merged}.onnx`. The same options always give
 * byte-identical files.
 */
export async function writeTinyModel(dir: string, options: TinyModelOptions = {}): Promise<TinyModelSummary> {
  const config = resolveTinyModelConfig(options);
  const tok = buildTokenizer();
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
  return { dir, config, vocabSize: tok.vocabSize, imageTokenId: tok.imageId, imageTokens: IMAGE_TOKENS, files };
}
