import type { PipelineSpec } from '../gpu/context.js';
import { uniformStruct } from '../gpu/uniform.js';
import { TILE_LOAD_WGSL, tileRowsWgsl } from './tile64.js';

/** Epilogue of the tiled Gram kernel. */
export const GramMode = {
  /** out[i·n + j] = cos(A_i, B_j): the [m × n] block (similarityRows). */
  Full: 0,
  /** A = B; only tiles on or above the diagonal run and mirror their values (cosineMatrix). */
  Symmetric: 1,
} as const;

/** A {@link GramMode} value. */
export type GramMode = (typeof GramMode)[keyof typeof GramMode];

/** Output rows and columns per workgroup. */
export const GRAM_TILE = 64;

/** Uniforms of the Gram kernel. */
export const GRAM_PARAMS = uniformStruct('Params', [
  ['m', 'u32'],
  ['n', 'u32'],
  ['d', 'u32'],
  ['offB', 'u32'],
  ['tilesN', 'u32'],
]);

/**
 * Cosines of gathered rows: C[i, j] = (X[idx[i]] · X[idx[offB + j]]) · inv[i] · inv[offB + j],
 * inv = 1/‖row‖ (0 for a zero row). Each 16×16 workgroup computes a 64×64 tile, each thread a
 * 4×4 block in registers, stepping through the feature dimension 16 columns at a time through
 * workgroup memory (two 16×64 tiles). Rows of a tile are strided by 16 so that neighbouring
 * threads touch neighbouring words. In Symmetric mode the tile (ti, tj) and its mirror hold the
 * same f32 values (inv products are commutative), so the result is exactly symmetric.
 * Uniforms: m, n, d, offB, tilesN.
 */
export const GRAM_WGSL = /* wgsl */ `
override MODE: u32 = 0u;
${GRAM_PARAMS.wgsl}
@group(0) @binding(0) var<storage, read> X: array<f32>;
@group(0) @binding(1) var<storage, read> idx: array<u32>;
@group(0) @binding(2) var<storage, read> inv: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
@group(0) @binding(4) var<uniform> p: Params;
var<workgroup> As: array<f32, 1024>;
var<workgroup> Bs: array<f32, 1024>;

@compute @workgroup_size(16, 16, 1)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u, @builtin(local_invocation_index) li: u32) {
  let ti = wg.y;
  let tj = wg.x;
  if (MODE == 1u && ti > tj) { return; }
${tileRowsWgsl({ aLimit: 'p.m', bLimit: 'p.n', bIndex: 'p.offB + jb' })}
  var acc: array<vec4f, 4>;
  for (var k0 = 0u; k0 < p.d; k0 += 16u) {
${TILE_LOAD_WGSL}
    for (var kk = 0u; kk < 16u; kk++) {
      let o = kk * 64u;
      let b = vec4f(Bs[o + lid.x], Bs[o + lid.x + 16u], Bs[o + lid.x + 32u], Bs[o + lid.x + 48u]);
      acc[0] += As[o + lid.y] * b;
      acc[1] += As[o + lid.y + 16u] * b;
      acc[2] += As[o + lid.y + 32u] * b;
      acc[3] += As[o + lid.y + 48u] * b;
    }
    workgroupBarrier();
  }
  for (var r = 0u; r < 4u; r++) {
    let i = i0 + lid.y + 16u * r;
    if (i >= p.m) { continue; }
    let ia = inv[i];
    for (var c = 0u; c < 4u; c++) {
      let j = j0 + lid.x + 16u * c;
      if (j >= p.n) { continue; }
      let v = acc[r][c] * (ia * inv[p.offB + j]);
      out[i * p.n + j] = v;
      if (MODE == 1u && ti != tj) { out[j * p.n + i] = v; }
    }
  }
}
`;

/** The Gram pipeline with epilogue `mode`. */
export function gramSpec(mode: GramMode): PipelineSpec {
  return { id: 'gram', code: GRAM_WGSL, constants: { MODE: mode } };
}
