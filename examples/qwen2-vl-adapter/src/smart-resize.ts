import { InvalidInputError } from '@d2pruner/core';

/** Pixel budget of Qwen2-VL's image processor (HF defaults; the hub preprocessor config may differ — read it). */
export interface PixelBudget {
  /** Minimum pixels after resizing; default 56·56. */
  minPixels: number;
  /** Maximum pixels after resizing; default 28·28·1280. */
  maxPixels: number;
}

/** Defaults of the HF `Qwen2VLImageProcessor`. */
export const QWEN2_VL_PIXELS: PixelBudget = { minPixels: 56 * 56, maxPixels: 28 * 28 * 1280 };

/** Python's `round()` (round half to even), which `smart_resize` uses. */
export function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/**
 * Qwen2-VL `smart_resize` (docs/models.md §4): both sides rounded to multiples of `factor` (28 = patch
 * 14 × merge 2), the pixel count brought into [minPixels, maxPixels] keeping the aspect.
 */
export function smartResize(height: number, width: number, budget: PixelBudget = QWEN2_VL_PIXELS, factor = 28): { height: number; width: number } {
  if (Math.max(height, width) / Math.min(height, width) > 200) {
    throw new InvalidInputError('image', `absolute aspect ratio must be smaller than 200, got ${Math.max(height, width) / Math.min(height, width)}`);
  }
  let h = Math.max(factor, roundHalfEven(height / factor) * factor);
  let w = Math.max(factor, roundHalfEven(width / factor) * factor);
  if (h * w > budget.maxPixels) {
    const beta = Math.sqrt((height * width) / budget.maxPixels);
    h = Math.floor(height / beta / factor) * factor;
    w = Math.floor(width / beta / factor) * factor;
  } else if (h * w < budget.minPixels) {
    const beta = Math.sqrt(budget.minPixels / (height * width));
    h = Math.ceil((height * beta) / factor) * factor;
    w = Math.ceil((width * beta) / factor) * factor;
  }
  return { height: h, width: w };
}
