import { RMS_EPS } from './decoder.js';
import { IMAGE_SIZE, PATCH_SIZE, type TinyModelConfig } from './options.js';
import { IMAGE_TOKEN, type TokenizerInfo } from './tokenizer.js';

/** CLIP's normalisation constants (openai/clip-vit-large-patch14-336). */
export const CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073];
/** CLIP's normalisation standard deviations. */
export const CLIP_STD = [0.26862954, 0.26130258, 0.27577711];

/** The JSON files of a generated model, by file name. */
export function jsonFiles(c: TinyModelConfig, tok: TokenizerInfo): Record<string, object> {
  const headDim = c.hidden / c.heads;
  return {
    'config.json': {
      architectures: ['LlavaForConditionalGeneration'],
      model_type: 'llava',
      image_token_index: tok.imageId,
      projector_hidden_act: 'gelu',
      vision_feature_layer: -2,
      vision_feature_select_strategy: 'default',
      pad_token_id: tok.padId,
      tie_word_embeddings: false,
      text_config: {
        model_type: 'llama',
        hidden_size: c.hidden,
        intermediate_size: c.intermediate,
        num_hidden_layers: c.layers,
        num_attention_heads: c.heads,
        num_key_value_heads: c.heads,
        head_dim: headDim,
        hidden_act: 'silu',
        vocab_size: tok.vocabSize,
        max_position_embeddings: c.maxPositions,
        rms_norm_eps: RMS_EPS,
        rope_theta: c.ropeTheta,
        bos_token_id: tok.bosId,
        eos_token_id: tok.eosId,
        pad_token_id: tok.padId,
      },
      vision_config: {
        model_type: 'clip_vision_model',
        hidden_size: c.visionHidden,
        intermediate_size: 4 * c.visionHidden,
        num_hidden_layers: c.visionLayers + 1,
        num_attention_heads: c.visionHeads,
        image_size: IMAGE_SIZE,
        patch_size: PATCH_SIZE,
        hidden_act: 'quick_gelu',
      },
      'transformers.js_config': { dtype: 'fp32' },
      d2pruner_tiny_model: { ...c },
    },
    'generation_config.json': { bos_token_id: tok.bosId, eos_token_id: tok.eosId, pad_token_id: tok.padId, do_sample: false },
    'preprocessor_config.json': {
      processor_class: 'LlavaProcessor',
      image_processor_type: 'CLIPImageProcessor',
      do_convert_rgb: true,
      do_resize: true,
      size: { shortest_edge: IMAGE_SIZE },
      resample: 3,
      do_center_crop: true,
      crop_size: { height: IMAGE_SIZE, width: IMAGE_SIZE },
      do_rescale: true,
      rescale_factor: 1 / 255,
      do_normalize: true,
      image_mean: CLIP_MEAN,
      image_std: CLIP_STD,
    },
    'processor_config.json': {
      processor_class: 'LlavaProcessor',
      image_token: IMAGE_TOKEN,
      patch_size: PATCH_SIZE,
      num_additional_image_tokens: 0,
      vision_feature_select_strategy: 'default',
    },
    'tokenizer.json': tok.tokenizerJson,
    'tokenizer_config.json': tok.tokenizerConfig,
    'special_tokens_map.json': { bos_token: '<s>', eos_token: '</s>', unk_token: '<unk>', pad_token: '<pad>' },
  };
}
