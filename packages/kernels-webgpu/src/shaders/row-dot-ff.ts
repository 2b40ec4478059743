import type { PipelineSpec } from '../gpu/context.js';
import { ROW_DOT_PARAMS } from './row-dot.js';

/**
 * Dots of every row r with row `other`, in float-float arithmetic (about 44 significant bits,
 * what the float64 baselines need from a float32 device): each factor is split by a bit mask
 * into two halves of at most 12 significant bits, so the four partial products are exact in f32
 * (a fused multiply-add cannot change them), and every sum is an error-free TwoSum whose error
 * terms are carried in a second accumulator. One workgroup per row, 64 lanes, a TwoSum tree.
 * Writes (hi, lo) per row; the host adds them in float64. Uniforms: rows, d, other (gather 0).
 */
export const ROW_DOT_FF_WGSL = /* wgsl */ `
${ROW_DOT_PARAMS.wgsl}
@group(0) @binding(0) var<storage, read> X: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;
var<workgroup> part: array<vec2f, 64>;

fn twoSum(a: f32, b: f32) -> vec2f {
  let s = a + b;
  let bb = s - a;
  return vec2f(s, (a - (s - bb)) + (b - bb));
}
fn addTerm(acc: vec2f, t: f32) -> vec2f {
  let r = twoSum(acc.x, t);
  return vec2f(r.x, acc.y + r.y);
}
fn hiPart(a: f32) -> f32 { return bitcast<f32>(bitcast<u32>(a) & 0xfffff000u); }

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) li: u32) {
  let r = wg.y * nwg.x + wg.x;
  if (r >= p.rows) { return; }
  let a = r * p.d;
  let b = p.other * p.d;
  var acc = vec2f(0.0, 0.0);
  for (var k = li; k < p.d; k += 64u) {
    let u = X[a + k];
    let v = X[b + k];
    let uh = hiPart(u);
    let vh = hiPart(v);
    let ul = u - uh;
    let vl = v - vh;
    acc = addTerm(acc, uh * vh);
    acc = addTerm(acc, uh * vl);
    acc = addTerm(acc, ul * vh);
    acc = addTerm(acc, ul * vl);
  }
  part[li] = acc;
  workgroupBarrier();
  for (var w = 32u; w > 0u; w = w >> 1u) {
    if (li < w) {
      let x = part[li];
      let y = part[li + w];
      let s = twoSum(x.x, y.x);
      part[li] = vec2f(s.x, s.y + (x.y + y.y));
    }
    workgroupBarrier();
  }
  if (li == 0u) {
    out[2u * r] = part[0].x;
    out[2u * r + 1u] = part[0].y;
  }
}
`;

/** The float-float row-dot pipeline. */
export const ROW_DOT_FF_SPEC: PipelineSpec = { id: 'rowDotFF', code: ROW_DOT_FF_WGSL };
