import type { PipelineSpec } from '../gpu/context.js';
import { uniformStruct } from '../gpu/uniform.js';

/** Uniforms of `headMean`. */
export const HEAD_MEAN_PARAMS = uniformStruct('Params', [
  ['h', 'u32'],
  ['n', 'u32'],
]);

/** Column means of an [h × n] matrix, one thread per column (coalesced across threads). Uniforms: h, n. */
export const HEAD_MEAN_WGSL = /* wgsl */ `
${HEAD_MEAN_PARAMS.wgsl}
@group(0) @binding(0) var<storage, read> X: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let c = gid.y * nwg.x * 64u + gid.x;
  if (c >= p.n) { return; }
  var s = 0.0;
  for (var h = 0u; h < p.h; h++) { s += X[h * p.n + c]; }
  out[c] = s / f32(max(p.h, 1u));
}
`;

/** The head-mean pipeline. */
export const HEAD_MEAN_SPEC: PipelineSpec = { id: 'headMean', code: HEAD_MEAN_WGSL };
