import { describe, expect, it } from 'vitest';
import { encodeImages, type LlavaModelLike, type TensorLike } from '../src/index.js';
import { caught } from './helpers.js';

describe('encodeImages on an encoder exporting CLS attention', () => {
  it('an encoder without an image_features output is MISSING_TENSOR image_features', async () => {
    const session = {
      inputNames: ['pixel_values'],
      outputNames: ['image_embeds', 'cls_attention'],
      run: async () => ({ image_embeds: { dims: [1, 4, 2], type: 'float32', data: new Float32Array(8) }, cls_attention: { dims: [1, 4], type: 'float32', data: new Float32Array(4) } }),
    };
    const model = { sessions: { vision_encoder: session } } as unknown as LlavaModelLike;
    const pixels = { dims: [1, 3, 2, 2], type: 'float32', data: new Float32Array(12), ort_tensor: {} } as TensorLike;
    const e = await caught(() => encodeImages(model, pixels, 'cls_attention'));
    expect(e).toMatchObject({ code: 'MISSING_TENSOR', field: 'image_features' });
    expect(e.message).toContain('image_embeds');
  });
});
