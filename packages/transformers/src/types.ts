/** Typed arrays a transformers.js tensor may hold. */
export type TensorData = Float32Array | Uint16Array | BigInt64Array | Int32Array | Uint8Array | Float64Array;

/** The parts of a transformers.js `Tensor` this package reads. */
export interface TensorLike {
  /** Dimensions, outermost first. */
  readonly dims: number[];
  /** Element type (`float32`, `float16`, `int64`, …). */
  readonly type: string;
  /** Values, row-major. */
  readonly data: TensorData;
  /** The wrapped onnxruntime tensor. */
  readonly ort_tensor?: unknown;
  /** Converts to another element type (transformers.js `Tensor.to`). */
  to?(type: string): TensorLike;
}

/** A transformers.js `Tensor` constructor, `new Tensor(type, data, dims)`. */
export type TensorConstructor = new (type: string, data: TensorData, dims: number[]) => TensorLike;

/** The parts of an onnxruntime `InferenceSession` this package uses. */
export interface SessionLike {
  /** Input names. */
  readonly inputNames: readonly string[];
  /** Output names. */
  readonly outputNames: readonly string[];
  /** Runs the session on onnxruntime tensors. */
  run(feeds: Record<string, unknown>): Promise<Record<string, { dims: readonly number[]; type: string; data: unknown }>>;
}

/** The model inputs transformers.js passes to `forward` during `generate`. */
export interface ForwardInputs {
  /** Token ids [B, S]. */
  input_ids?: TensorLike | null;
  /** Attention mask [B, T]. */
  attention_mask?: TensorLike | null;
  /** Preprocessed images [images, 3, H, W]. */
  pixel_values?: TensorLike | null;
  /** Precomputed embeddings; when present the model skips the image merge. */
  inputs_embeds?: TensorLike | null;
  /** KV cache; present after the prefill. */
  past_key_values?: unknown;
  /** Anything else transformers.js carries along. */
  [name: string]: unknown;
}

/** What `_merge_input_ids_with_image_features` takes and returns. */
export interface MergeArgs {
  /** Image features [images·tokens, d] or [images, tokens, d]. */
  image_features: TensorLike;
  /** Text embeddings [B, S, d]. */
  inputs_embeds: TensorLike;
  /** Token ids [B, S]. */
  input_ids: TensorLike;
  /** Attention mask [B, S]. */
  attention_mask: TensorLike | null | undefined;
}

/**
 * The parts of a transformers.js LLaVA-family model (`LlavaForConditionalGeneration`,
 * `LlavaOnevisionForConditionalGeneration`, …) that pruning hooks into.
 */
export interface LlavaModelLike {
  /** The model's `config.json`. */
  config: { model_type?: string; image_token_index?: number; image_token_id?: number; [key: string]: unknown };
  /** ONNX sessions by name (`vision_encoder`, `embed_tokens`, `decoder_model_merged`). */
  sessions: Record<string, SessionLike>;
  /** One forward pass (what `generate` calls each step). */
  forward(inputs: ForwardInputs): Promise<Record<string, unknown>>;
  /** Token ids → embeddings. */
  encode_text(inputs: { input_ids: TensorLike }): Promise<TensorLike>;
  /** Pixel values → projected image features. */
  encode_image(inputs: { pixel_values: TensorLike }): Promise<TensorLike>;
  /** Writes image features into the placeholder rows of the embeddings. */
  _merge_input_ids_with_image_features(args: MergeArgs): { inputs_embeds: TensorLike; attention_mask: TensorLike | null | undefined };
}

/** The parts of a transformers.js processor this package reads. */
export interface ProcessorLike {
  /** `processor_config.json` (`image_token`, `patch_size`, …). */
  config?: { image_token?: string; [key: string]: unknown };
  /** The image processor. */
  image_processor?: { do_pad?: boolean; config?: { do_pad?: boolean }; [key: string]: unknown };
}
