import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { BackendUnavailableError, InvalidArgumentError, InvalidInputError } from '@d2pruner/core';
import { SUPPORTED_MODEL_TYPES } from './model-check.js';
import type { LlavaModelLike, ProcessorLike, TensorLike } from './types.js';

/** The transformers.js module (loaded on demand, so importing this package stays cheap). */
export type TransformersModule = typeof import('@huggingface/transformers');

/** A transformers.js processor as the generate helper calls it. */
export interface LlavaProcessor extends ProcessorLike {
  /** Preprocesses an image and a prompt (the prompt's `<image>` is expanded to the visual tokens). */
  (images: unknown, text?: string | null, options?: Record<string, unknown>): Promise<Record<string, TensorLike>>;
  /** Decodes token ids. */
  batch_decode(ids: TensorLike | number[][] | bigint[][], options?: { skip_special_tokens?: boolean }): string[];
}

/** A loaded LLaVA-family model with `generate`. */
export interface GenerativeLlava extends LlavaModelLike {
  /** transformers.js `generate`. */
  generate(options: Record<string, unknown>): Promise<unknown>;
  /** Releases the ONNX sessions. */
  dispose(): Promise<unknown>;
}

/** A model, its processor and config, loaded from a local directory. */
export interface LoadedLlava {
  /** The model. */
  model: GenerativeLlava;
  /** Its processor. */
  processor: LlavaProcessor;
  /** `config.json`. */
  config: Record<string, unknown>;
  /** The transformers.js module used. */
  transformers: TransformersModule;
  /** The model directory (where split decoder pairs are looked up by default). */
  dir?: string;
  /** The onnxruntime session options the model was loaded with (reused for split decoder parts). */
  sessionOptions?: Record<string, unknown>;
  /** The transformers.js device it was loaded on (its provider is used for split decoder parts). */
  device?: string;
}

/** Options of {@link loadLocalLlava}. */
export interface LoadLocalOptions {
  /** transformers.js device. Default `cpu`. */
  device?: string;
  /** transformers.js dtype (string or per-file map). Default: config.json's `transformers.js_config.dtype`, else fp32. */
  dtype?: string | Record<string, string>;
  /** onnxruntime session options. */
  sessionOptions?: Record<string, unknown>;
}

/** Imports `@huggingface/transformers`; a typed error when it is not installed. */
export async function importTransformers(): Promise<TransformersModule> {
  try {
    return await import('@huggingface/transformers');
  } catch (e) {
    throw new BackendUnavailableError(
      '@huggingface/transformers',
      `cannot load @huggingface/transformers (install it with ONNXRUNTIME_NODE_INSTALL=skip npm i @huggingface/transformers@4.3.1): ${e instanceof Error ? e.message : String(e)}`,
    );
  }
}

/** Reads and checks `DIR/config.json`: a typed error when it is missing or not LLaVA-family. */
export async function readLlavaConfig(dir: string): Promise<Record<string, unknown>> {
  const abs = resolve(dir);
  const isDir = await stat(abs).then((s) => s.isDirectory(), () => false);
  if (!isDir) throw new InvalidInputError('model', `model directory '${dir}' does not exist`);
  let config: Record<string, unknown>;
  try {
    config = JSON.parse(await readFile(resolve(abs, 'config.json'), 'utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new InvalidInputError('model', `'${dir}' has no readable config.json (${e instanceof Error ? e.message : String(e)})`);
  }
  const type = config.model_type;
  if (typeof type !== 'string' || !SUPPORTED_MODEL_TYPES.includes(type)) {
    throw new InvalidArgumentError('model', `'${dir}' holds a model of type '${String(type)}', not a LLaVA-family model; supported: ${SUPPORTED_MODEL_TYPES.join(', ')}`);
  }
  return config;
}

/**
 * Loads a LLaVA-family model and its processor from a local directory in the transformers.js
 * layout, with everything kept local: `env.allowRemoteModels = false`,
 * `env.allowLocalModels = true`, `env.localModelPath` = the directory's parent, and
 * `local_files_only`. These are process-wide transformers.js settings.
 */
export async function loadLocalLlava(dir: string, options: LoadLocalOptions = {}): Promise<LoadedLlava> {
  const config = await readLlavaConfig(dir);
  const t = await importTransformers();
  const abs = resolve(dir);
  t.env.allowRemoteModels = false;
  t.env.allowLocalModels = true;
  t.env.localModelPath = dirname(abs) + '/';
  const name = basename(abs);
  const id = /^[A-Za-z0-9][\w.-]*$/.test(name) && !name.includes('..') && !name.includes('--') ? name : abs;
  const common = { local_files_only: true };
  const processor = (await t.AutoProcessor.from_pretrained(id, common)) as unknown as LlavaProcessor;
  const model = (await t.AutoModelForImageTextToText.from_pretrained(id, {
    ...common,
    device: (options.device ?? 'cpu') as never,
    ...(options.dtype ? { dtype: options.dtype as never } : {}),
    ...(options.sessionOptions ? { session_options: options.sessionOptions } : {}),
  })) as unknown as GenerativeLlava;
  return { model, processor, config, transformers: t, dir: abs, device: options.device ?? 'cpu', ...(options.sessionOptions ? { sessionOptions: options.sessionOptions } : {}) };
}
