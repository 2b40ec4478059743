import { MissingTensorError } from '@d2pruner/core';
import { float32Data, tensorClassOf } from './tensors.js';
import type { LlavaModelLike, TensorData, TensorLike } from './types.js';

/** Output of {@link encodeImages}. */
export interface EncodedImages {
  /** Image features as the model returned them (passed on to the merge unchanged). */
  features: TensorLike;
  /** CLS attention [images, tokens] when the encoder exports it. */
  clsAttention?: Float32Array;
}

/**
 * Runs the vision encoder. When its session has the output `clsOutput` and takes only
 * `pixel_values`, the session is run directly so that output comes back too (one run);
 * otherwise `model.encode_image` runs as transformers.js would. A directly run encoder without an
 * `image_features` output is MISSING_TENSOR `image_features`.
 */
export async function encodeImages(model: LlavaModelLike, pixelValues: TensorLike, clsOutput: string): Promise<EncodedImages> {
  const session = model.sessions.vision_encoder;
  const direct = session.outputNames.includes(clsOutput) && session.inputNames.length === 1 && session.inputNames[0] === 'pixel_values' && pixelValues.ort_tensor !== undefined;
  if (!direct) return { features: await model.encode_image({ pixel_values: pixelValues }) };
  const out = await session.run({ pixel_values: pixelValues.ort_tensor });
  const feats = out.image_features;
  const cls = out[clsOutput];
  if (!feats) throw new MissingTensorError('image_features', `the image merge (the vision encoder's outputs are ${session.outputNames.join(', ')})`);
  const Tensor = tensorClassOf(pixelValues);
  const features = new Tensor(feats.type, feats.data as TensorData, [...feats.dims]);
  return { features, clsAttention: float32Data(new Tensor(cls.type, cls.data as TensorData, [...cls.dims]), clsOutput) };
}
