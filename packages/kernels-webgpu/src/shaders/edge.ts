import type { PipelineSpec } from '../gpu/context.js';
import { uniformStruct } from '../gpu/uniform.js';

/** Uniforms of the edge-bitset kernel. `span` = radius + 1 (0: no pair is adjacent). */
export const EDGE_PARAMS = uniformStruct('Params', [
  ['k', 'u32'],
  ['words', 'u32'],
  ['span', 'u32'],
  ['total', 'u32'],
  ['alpha', 'f32'],
  ['oneMinusAlpha', 'f32'],
  ['theta', 'f32'],
]);

/**
 * The fused edge rule (docs/algorithm.md §3 step 5), one thread per 32-bit word of the k×k bitset: bit j of
 * row i is set iff i ≠ j and alpha·clamp(cos,0,1) + (1−alpha)·spat > theta (a cosine above 1 is
 * rounding, clamped as in the reference), spat = 1 when both tokens share a frame and lie within
 * Chebyshev distance `radius`. coords = frame | row | col, shifted by the host to be ≥ 0 and
 * compared as u32 with `select`: no signed integer and no `abs` (on the NVIDIA Vulkan driver
 * the i32 `abs` path let negative row differences through, see docs/gpu.md).
 */
export const EDGE_WGSL = /* wgsl */ `
${EDGE_PARAMS.wgsl}
@group(0) @binding(0) var<storage, read> cosm: array<f32>;
@group(0) @binding(1) var<storage, read> coords: array<u32>;
@group(0) @binding(2) var<storage, read_write> out: array<u32>;
@group(0) @binding(3) var<uniform> p: Params;

fn dist(a: u32, b: u32) -> u32 { return select(b - a, a - b, a > b); }

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let t = gid.y * nwg.x * 64u + gid.x;
  if (t >= p.total) { return; }
  let i = t / p.words;
  let w = t % p.words;
  let fi = coords[i];
  let ri = coords[p.k + i];
  let ci = coords[2u * p.k + i];
  var bits = 0u;
  let j0 = w * 32u;
  let jEnd = min(p.k, j0 + 32u);
  for (var j = j0; j < jEnd; j++) {
    if (j == i) { continue; }
    var spat = 0.0;
    if (coords[j] == fi && dist(coords[p.k + j], ri) < p.span && dist(coords[2u * p.k + j], ci) < p.span) { spat = 1.0; }
    let s = p.alpha * clamp(cosm[i * p.k + j], 0.0, 1.0) + p.oneMinusAlpha * spat;
    if (s > p.theta) { bits = bits | (1u << (j - j0)); }
  }
  out[t] = bits;
}
`;

/** The edge-bitset pipeline. */
export const EDGE_SPEC: PipelineSpec = { id: 'edgeBitset', code: EDGE_WGSL };
