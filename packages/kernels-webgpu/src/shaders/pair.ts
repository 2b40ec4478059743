import type { PipelineSpec } from '../gpu/context.js';
import { uniformStruct } from '../gpu/uniform.js';

/** Uniforms of the pair kernel. */
export const PAIR_PARAMS = uniformStruct('Params', [
  ['m', 'u32'],
  ['n', 'u32'],
  ['d', 'u32'],
  ['offB', 'u32'],
]);

/**
 * Cosines of few query rows against many candidates (the lazy MIS's calls): one workgroup per
 * output pair p = i·n + j reduces X[idx[i]] · X[idx[offB + j]] over 64 lanes, times
 * inv[i] · inv[offB + j]. For a handful of queries this beats the 64×64 tiles, which would
 * leave most of each tile empty and pay a barrier per 16 columns of the feature dimension.
 * Uniforms: m, n, d, offB.
 */
export const PAIR_WGSL = /* wgsl */ `
${PAIR_PARAMS.wgsl}
@group(0) @binding(0) var<storage, read> X: array<f32>;
@group(0) @binding(1) var<storage, read> idx: array<u32>;
@group(0) @binding(2) var<storage, read> inv: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
@group(0) @binding(4) var<uniform> p: Params;
const WG = 64u;
var<workgroup> part: array<f32, 64>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) li: u32) {
  let pair = wg.y * nwg.x + wg.x;
  if (pair >= p.m * p.n) { return; }
  let i = pair / p.n;
  let j = pair % p.n;
  let a = idx[i] * p.d;
  let b = idx[p.offB + j] * p.d;
  var s = 0.0;
  for (var k = li; k < p.d; k += WG) { s += X[a + k] * X[b + k]; }
  part[li] = s;
  workgroupBarrier();
  for (var w = WG / 2u; w > 0u; w = w >> 1u) {
    if (li < w) { part[li] += part[li + w]; }
    workgroupBarrier();
  }
  if (li == 0u) { out[pair] = part[0] * (inv[i] * inv[p.offB + j]); }
}
`;

/** The pair-cosine pipeline. */
export const PAIR_SPEC: PipelineSpec = { id: 'pairCosine', code: PAIR_WGSL };

/** Query counts below this use the pair kernel instead of the tiled one. */
export const PAIR_MAX_QUERIES = 8;
