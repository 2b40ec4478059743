import type { PipelineSpec } from '../gpu/context.js';
import { uniformStruct } from '../gpu/uniform.js';

/** Uniforms of `rowDot`. */
export const ROW_DOT_PARAMS = uniformStruct('Params', [
  ['rows', 'u32'],
  ['d', 'u32'],
  ['gather', 'u32'],
  ['other', 'u32'],
]);

/** What `rowDot` writes per row: the raw dot, its square root (the norm), or the inverse norm. */
export const RowDotOut = { Dot: 0, Norm: 1, InverseNorm: 2 } as const;

/** A {@link RowDotOut} value. */
export type RowDotOut = (typeof RowDotOut)[keyof typeof RowDotOut];

/** Uniform `other` meaning "the row itself" (norms instead of dots with a fixed row). */
export const SELF = 0xffffffff;

/**
 * One workgroup per row r (rows `idx[r]` when `gather` ≠ 0): the dot of that row with row
 * `other` of X (or with itself), reduced over 64 lanes in workgroup memory. Uniforms:
 * rows, d, gather, other.
 */
export const ROW_DOT_WGSL = /* wgsl */ `
override OUT: u32 = 0u;
${ROW_DOT_PARAMS.wgsl}
@group(0) @binding(0) var<storage, read> X: array<f32>;
@group(0) @binding(1) var<storage, read> idx: array<u32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;
const WG = 64u;
var<workgroup> part: array<f32, 64>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) li: u32) {
  let r = wg.y * nwg.x + wg.x;
  if (r >= p.rows) { return; }
  var row = r;
  if (p.gather != 0u) { row = idx[r]; }
  let a = row * p.d;
  var b = a;
  if (p.other != 0xffffffffu) { b = p.other * p.d; }
  var s = 0.0;
  for (var k = li; k < p.d; k += WG) { s += X[a + k] * X[b + k]; }
  part[li] = s;
  workgroupBarrier();
  for (var w = WG / 2u; w > 0u; w = w >> 1u) {
    if (li < w) { part[li] += part[li + w]; }
    workgroupBarrier();
  }
  if (li == 0u) {
    let t = part[0];
    if (OUT == 0u) { out[r] = t; }
    else if (OUT == 1u) { out[r] = sqrt(t); }
    else { out[r] = select(0.0, inverseSqrt(t), t > 0.0); }
  }
}
`;

/** The `rowDot` pipeline writing `out`. */
export function rowDotSpec(out: RowDotOut): PipelineSpec {
  return { id: 'rowDot', code: ROW_DOT_WGSL, constants: { OUT: out } };
}
