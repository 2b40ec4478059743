import { D2PrunerError, InvalidInputError, isD2PrunerError } from '@d2pruner/core';
import type { GenerateResult } from '@d2pruner/transformers';
import type { ServerConfig } from './config.js';
import { HttpError } from './http-error.js';
import type { EncodedImage } from './input/image.js';
import { maxPromptChars, type GenerateSpec } from './input/generate-request.js';

/** `@d2pruner/transformers` (types only here: the module is imported on demand). */
export type TransformersPackage = typeof import('@d2pruner/transformers');
/** A loaded LLaVA-family model (`loadLocalLlava`'s result). */
export type LoadedModel = Awaited<ReturnType<TransformersPackage['loadLocalLlava']>>;

/** Imports `@d2pruner/transformers` (and, through it, transformers.js and ONNX Runtime). */
export type TransformersLoader = () => Promise<TransformersPackage>;

/** Loads `@d2pruner/transformers` on demand, so a server without `--model-dir` never loads ONNX Runtime. */
export const loadTransformers: TransformersLoader = () => import('@d2pruner/transformers');

/** One streamed token. */
export interface StreamedToken {
  /** Token id. */
  id: number;
  /** Its decoded text (special tokens decode to ''). */
  text: string;
}

/** The summary of a finished generation: the fields of `d2pruner generate --json` (the runtime's result without its report). */
export type GenerateSummary = Omit<GenerateResult, 'report'>;

/** What `/healthz` says about the model. */
export interface ModelHealth {
  /** Whether a model is loaded (the server was started with `--model-dir`). */
  loaded: boolean;
  /** The model directory, or null. */
  dir: string | null;
  /** `config.json`'s `model_type`, when loaded. */
  type: string | null;
  /** transformers.js device. */
  device: string | null;
  /** A generation is running (one at a time). */
  generating: boolean;
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;

/**
 * The generation model of the server: loaded once at start-up from `--model-dir` (nothing is
 * imported without it), one generation at a time — `withPruning` patches the model object for
 * the duration of a call, and ONNX Runtime's sessions belong to it — so a second concurrent
 * request gets 503 `OVERLOADED`. Aborting stops a generation between two stages or tokens.
 */
export class ModelManager {
  private tf: TransformersPackage | null = null;
  private model: LoadedModel | null = null;
  private running: Promise<void> | null = null;

  /** @param config model directory, device and dtype @param loader imports `@d2pruner/transformers` */
  constructor(
    private readonly config: Pick<ServerConfig, 'modelDir' | 'modelDevice' | 'modelDtype'>,
    private readonly loader: TransformersLoader = loadTransformers,
  ) {}

  /**
   * Loads the model when `--model-dir` is set (a no-op otherwise). A directory that is missing,
   * not a LLaVA-family model, or whose ONNX files fail to load is a typed error with field
   * `model-dir` (the library's code kept, else `INVALID_INPUT`).
   */
  async init(): Promise<void> {
    const dir = this.config.modelDir;
    if (dir === null) return;
    try {
      const tf = await this.loader();
      this.model = await tf.loadLocalLlava(dir, { device: this.config.modelDevice, ...(this.config.modelDtype ? { dtype: this.config.modelDtype } : {}) });
      this.tf = tf;
    } catch (e) {
      const message = `--model-dir (D2PRUNER_MODEL_DIR) '${dir}': ${e instanceof Error ? e.message : String(e)}`;
      throw new D2PrunerError(isD2PrunerError(e) ? e.code : 'INVALID_INPUT', 'model-dir', message);
    }
  }

  /** Whether a model is loaded. */
  get loaded(): boolean {
    return this.model !== null;
  }

  /** Whether a generation is running. */
  get generating(): boolean {
    return this.running !== null;
  }

  /** The processor's image placeholder (`<image>` unless the processor says otherwise). */
  get imageToken(): string {
    const t = this.model?.processor.config?.image_token;
    return typeof t === 'string' ? t : '<image>';
  }

  /**
   * The model's context length: `max_position_embeddings` of its text config (else of its
   * config), or undefined without a model or when the config gives none.
   */
  get maxPositions(): number | undefined {
    const config = this.model?.config as Record<string, unknown> | undefined;
    const text = config?.text_config;
    const limit = (typeof text === 'object' && text !== null ? (text as Record<string, unknown>) : (config ?? {})).max_position_embeddings;
    return typeof limit === 'number' && Number.isSafeInteger(limit) && limit > 0 ? limit : undefined;
  }

  /** The longest prompt this model takes, in characters (`maxPromptChars` of its context length). */
  get maxPromptChars(): number {
    return maxPromptChars(this.maxPositions);
  }

  /** What `/healthz` reports. */
  health(): ModelHealth {
    const type = this.model?.config.model_type;
    return {
      loaded: this.loaded,
      dir: this.config.modelDir,
      type: typeof type === 'string' ? type : null,
      device: this.loaded ? this.config.modelDevice : null,
      generating: this.generating,
    };
  }

  /** The loaded model and module; 404 `NOT_FOUND` (field `model-dir`) when the server has none. */
  require(): { tf: TransformersPackage; model: LoadedModel } {
    if (!this.model || !this.tf) {
      throw new HttpError('NOT_FOUND', 'model-dir', 'this server was started without --model-dir (D2PRUNER_MODEL_DIR): POST /v1/generate needs a transformers.js LLaVA directory');
    }
    return { tf: this.tf, model: this.model };
  }

  /** Decodes a checked PNG/JPEG into transformers.js' `RawImage`; `INVALID_INPUT image` when it does not decode. */
  async decodeImage(image: EncodedImage): Promise<object> {
    const { model } = this.require();
    try {
      return await model.transformers.RawImage.fromBlob(new Blob([image.bytes]));
    } catch (e) {
      throw new InvalidInputError('image', `cannot decode the ${image.format.toUpperCase()} image: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  /**
   * Generates greedily about `image`, pruning its visual tokens as `spec` says, calling
   * `onToken` for each token as it is produced. One at a time: 503 `OVERLOADED` while another
   * runs. `signal` goes to `generateWithPruning`: once it aborts, generation stops at the next
   * stage boundary (vision encoding, pruning, prefill) or decode step, no token is handed out
   * after it, and the call rejects with the signal's reason (an ONNX Runtime run already going
   * is not interrupted). Errors are the library's typed errors.
   */
  async generate(spec: GenerateSpec, image: object, signal: AbortSignal, onToken: (token: StreamedToken) => void): Promise<GenerateSummary> {
    const { tf, model } = this.require();
    if (this.running) throw new HttpError('OVERLOADED', 'model', 'a generation is already running (one at a time per model); retry shortly', { 'retry-after': '1' });
    if (signal.aborted) throw signal.reason;
    const pruning = spec.noPrune
      ? false
      : { method: spec.method ?? 'd2pruner', keep: spec.keep, ratio: spec.ratio, params: spec.params, importance: spec.importance, ...(spec.layout === 'grid' ? { layout: 'grid' as const } : {}) };
    if (pruning) tf.resolvePruningOptions(pruning);
    const run = tf.generateWithPruning(model, {
      image,
      prompt: spec.prompt,
      maxNewTokens: spec.maxNewTokens,
      pruning,
      onToken,
      signal,
    });
    this.running = run.then(
      () => undefined,
      () => undefined,
    );
    try {
      const r = await run;
      return { visualTokens: r.visualTokens, prefillTokens: r.prefillTokens, prefillMs: round3(r.prefillMs), pruneMs: round3(r.pruneMs), text: r.text, tokenIds: r.tokenIds };
    } finally {
      this.running = null;
    }
  }

  /** Waits for a running generation to stop, then releases the ONNX Runtime sessions. Idempotent. */
  async dispose(): Promise<void> {
    await this.running;
    const m = this.model;
    this.model = null;
    this.tf = null;
    await m?.model.dispose();
  }
}
