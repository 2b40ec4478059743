import { layoutToJson, gridLayout, uniformRng, writeSafetensors } from '@d2pruner/core';

/** Options of {@link syntheticScene}. */
export interface SyntheticOptions {
  /** Grid side (N = side²; default 24 → 576, LLaVA-1.5). */
  side?: number;
  /** Feature width D (default 4096, LLaVA-1.5-7B's hidden size). */
  dim?: number;
  /** Seed of the generator (default 1). */
  seed?: number;
}

/** A small deterministic PRNG (mulberry32) in [0, 1). */
const rng = uniformRng;

/**
 * A LLaVA-size token file generated in code (no download): `features` [N, D] drawn around a few
 * region prototypes (so the semantic graph has real clusters), `attention` [N] with LLaVA's bias
 * towards the bottom rows plus a few peaks, and the grid layout in the metadata. Returns the
 * safetensors bytes (F32; 576 × 4096 ≈ 9.4 MB).
 */
export function syntheticScene(options: SyntheticOptions = {}): Uint8Array {
  const side = options.side ?? 24;
  const dim = options.dim ?? 4096;
  const n = side * side;
  const rand = rng(options.seed ?? 1);
  const gauss = () => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
  const regions = 6;
  const protos = Array.from({ length: regions }, () => Float32Array.from({ length: dim }, gauss));
  const features = new Float32Array(n * dim);
  const attention = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const r = Math.floor(i / side);
    const c = i % side;
    const region = (Math.floor((r * regions) / side) + Math.floor((c * 2) / side)) % regions;
    const p = protos[region];
    for (let k = 0; k < dim; k++) features[i * dim + k] = p[k] + 0.8 * gauss();
    attention[i] = (0.2 + (r / side) ** 3) * (0.5 + rand()) + (rand() < 0.02 ? 3 : 0);
  }
  return writeSafetensors(
    { features: { shape: [n, dim], data: features }, attention: { shape: [n], data: attention } },
    { 'd2pruner.layout': JSON.stringify(layoutToJson(gridLayout(side, side))), 'd2pruner.model': 'llava-1.5-7b' },
  );
}
