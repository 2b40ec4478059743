import { GeometryBuilder, defineAdapter, type ImageSize, type LlmDims, type ModelAdapter, type ParamSpec, type TokenGeometry } from '@d2pruner/core';

/** Pixels per grid token side on the resized image. */
export const ACME_PATCH = 32;

/** Placeholder ids of the (fictional) Acme-VL tokenizer. */
export const ACME_TOKENS = { imageStart: 9000, imagePad: 9001, imageEnd: 9002 } as const;

/** The LLM of Acme-VL-1B (made-up but self-consistent dimensions). */
export const ACME_LLM: LlmDims = {
  layers: 24,
  hidden: 2048,
  heads: 16,
  kvHeads: 16,
  headDim: 128,
  intermediate: 5632,
  ffnMatrices: 3,
  vocab: 32000,
  ropeBase: 10000,
  ropeType: 'rope',
  maxPositions: 4096,
};

/** Resolved layout options. */
export interface AcmeOptions {
  /** Long side of the resized image, in pixels. */
  maxSide: number;
}

const OPTIONS: readonly ParamSpec[] = [
  { name: 'maxSide', type: 'integer', default: 448, min: ACME_PATCH, description: 'long side of the resized image' },
];

/**
 * Acme-VL's visual tokens: a 2×2 thumbnail of the whole image (frame 0), then the image resized
 * so that its long side is `maxSide`, cut into 32-px cells (frame 1, rows × cols, the last row or
 * column may be partial), each grid row followed by a structural row-end token.
 */
export function acmeGeometry(image: ImageSize, o: AcmeOptions): TokenGeometry {
  const { width: W, height: H } = image;
  const scale = o.maxSide / Math.max(W, H);
  const cols = Math.ceil((W * scale) / ACME_PATCH);
  const rows = Math.ceil((H * scale) / ACME_PATCH);
  const cell = ACME_PATCH / scale;
  const b = new GeometryBuilder(image);
  for (let y = 0; y < 2; y++) for (let x = 0; x < 2; x++) b.token(0, y, x, (x * W) / 2, (y * H) / 2, ((x + 1) * W) / 2, ((y + 1) * H) / 2);
  for (let y = 0; y < rows; y++) {
    for (let x = 0; x < cols; x++) b.token(1, y, x, x * cell, y * cell, (x + 1) * cell, (y + 1) * cell);
    b.structuralToken(1, y, cols, [0, y * cell, W, Math.min(H, (y + 1) * cell)]);
  }
  return b.build(
    [
      { rows: 2, cols: 2, kind: 'thumbnail' },
      { rows, cols, kind: 'grid' },
    ],
    [1 + 4 * 49, 1 + rows * cols],
    { rows, cols, scale },
  );
}

/** The adapter, built with core's `defineAdapter`; add it with `registerAdapter(acmeVl1b)`. */
export const acmeVl1b: ModelAdapter = defineAdapter<AcmeOptions>({
  id: 'acme-vl-1b',
  family: 'acme-vl',
  aliases: ['acme/acme-vl-1b-instruct'],
  description: 'Acme-VL-1B: 2×2 thumbnail + 32-px grid with row-end tokens',
  llm: ACME_LLM,
  defaultLayer: 2,
  defaultTextTokens: 40,
  layoutOptions: OPTIONS,
  placeholders: { imageTokenId: ACME_TOKENS.imagePad, imageStartId: ACME_TOKENS.imageStart, imageEndId: ACME_TOKENS.imageEnd },
  geometry: acmeGeometry,
});
