import { randomWeight, type WeightSource } from './layers.js';
import { ElemType, GraphBuilder, int } from './onnx.js';
import type { TinyModelConfig } from './options.js';
import type { TokenizerInfo } from './tokenizer.js';

/** `onnx/embed_tokens.onnx`: `input_ids` [B, S] → Gather from a random [V, d] table → `inputs_embeds` [B, S, d]. */
export function buildEmbedTokens(c: TinyModelConfig, tok: TokenizerInfo): Uint8Array {
  const g = new GraphBuilder('embed_tokens');
  const src: WeightSource = { seed: c.seed, prefix: 'embed' };
  const ids = g.input('input_ids', ElemType.INT64, ['batch_size', 'sequence_length']);
  const table = randomWeight(g, src, 'embed_tokens.weight', [tok.vocabSize, c.hidden], 1);
  g.opTo('Gather', [table, ids], ['inputs_embeds'], { axis: int(0) });
  g.output('inputs_embeds', ElemType.FLOAT, ['batch_size', 'sequence_length', c.hidden]);
  return g.encode();
}
