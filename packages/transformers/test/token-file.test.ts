import { describe, expect, it } from 'vitest';
import { readSafetensors } from '@d2pruner/core';
import { imageTokenFile, type ImagePruning } from '../src/index.js';

/* The token file saved for calibration: its `attention` is the layer-(K−1) attention whatever ranked the tokens. */

function image(attention: Float32Array | undefined, methodAttention: Float32Array | undefined): ImagePruning {
  const features = { rows: 4, cols: 2, data: Float32Array.from({ length: 8 }, (_, i) => i) };
  return {
    image: 0,
    row: 0,
    start: 5,
    before: 4,
    after: 2,
    kept: [0, 3],
    importance: 'cls',
    ...(attention ? { attention } : {}),
    input: { features, ...(methodAttention ? { attention: methodAttention } : {}), clsAttention: Float32Array.of(0.4, 0.3, 0.2, 0.1) },
  };
}

describe('imageTokenFile', () => {
  it('saves the layer-(K−1) attention as attention when the method ranked by CLS attention, and the CLS row as clsAttention', () => {
    const layerAttention = Float32Array.of(0.1, 0.2, 0.3, 0.4);
    const file = readSafetensors(imageTokenFile(image(layerAttention, Float32Array.of(0.4, 0.3, 0.2, 0.1)), 2));
    expect(Array.from(file.get('attention')?.data ?? [])).toEqual(Array.from(layerAttention));
    expect(Array.from(file.get('clsAttention')?.data ?? [])).toEqual([0.4, 0.3, 0.2, 0.1].map(Math.fround));
    expect(file.metadata['d2pruner.layer']).toBe('2');
  });

  it("falls back to the method's attention input without a layer attention (pruning before the LLM)", () => {
    const own = Float32Array.of(0.25, 0.25, 0.25, 0.25);
    const file = readSafetensors(imageTokenFile(image(undefined, own), 0));
    expect(Array.from(file.get('attention')?.data ?? [])).toEqual(Array.from(own));
  });
});
