import type { PipelineSpec } from '../gpu/context.js';
import { uniformStruct } from '../gpu/uniform.js';
import { TILE_LOAD_WGSL, tileRowsWgsl } from './tile64.js';

/** Output rows and columns per workgroup of the edge-block kernel. */
export const BLOCK_TILE = 64;

/** Terms per chunk of the blocked dot products (the bound's summation shape). */
export const BLOCK_CHUNK = 16;

/** Uniforms of the norm pass: rows (k) and features (d). */
export const BLOCK_NORM_PARAMS = uniformStruct('Params', [
  ['k', 'u32'],
  ['d', 'u32'],
]);

/**
 * Uniforms of the edge-block kernel: k, d, words per bitset row, capacity of the uncertain list,
 * the decision interval [lo, hi] on the cosine scale, and (tests only) `perturb`, a shift of every
 * cosine towards `mid`.
 */
export const BLOCK_PARAMS = uniformStruct('Params', [
  ['k', 'u32'],
  ['d', 'u32'],
  ['words', 'u32'],
  ['cap', 'u32'],
  ['lo', 'f32'],
  ['hi', 'f32'],
  ['perturb', 'f32'],
  ['mid', 'f32'],
]);

/**
 * Inverse norms of the gathered rows, one workgroup of 64 lanes per row (each lane a strided
 * partial sum, then a tree): inv = inverseSqrt(‖x‖²), or −1 when ‖x‖² is below 2⁻⁹⁶ (float32
 * products may have flushed to zero) or above 2¹⁰⁰: such rows are decided on the CPU.
 */
export const BLOCK_NORM_WGSL = /* wgsl */ `
${BLOCK_NORM_PARAMS.wgsl}
@group(0) @binding(0) var<storage, read> X: array<f32>;
@group(0) @binding(1) var<storage, read> idx: array<u32>;
@group(0) @binding(2) var<storage, read_write> inv: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;
var<workgroup> part: array<f32, 64>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) li: u32) {
  let r = wg.y * nwg.x + wg.x;
  if (r >= p.k) { return; }
  let a = idx[r] * p.d;
  var s = 0.0;
  for (var k = li; k < p.d; k += 64u) { let v = X[a + k]; s += v * v; }
  part[li] = s;
  workgroupBarrier();
  for (var w = 32u; w > 0u; w = w >> 1u) {
    if (li < w) { part[li] += part[li + w]; }
    workgroupBarrier();
  }
  if (li == 0u) {
    let t = part[0];
    inv[r] = select(-1.0, inverseSqrt(t), t >= 1.3e-29 && t <= 1.2e30);
  }
}
`;

/**
 * The certified semantic edge block (kernel `edgeBlock`): cosines of the gathered rows, 64×64 per
 * workgroup of 16×16 threads, each thread a 4×4 register block (rows strided by 16, four
 * adjacent columns), the feature dimension stepped 16 at a time through workgroup memory; every
 * 16 products are summed into a partial before joining the running total (blocked summation: the
 * depth the error bound assumes). Only tiles on or above the diagonal run, and only pairs i < j
 * are decided: c > hi sets bit j of row i (each thread's four adjacent bits go to workgroup memory
 * as a nibble, eight nibbles make a word: no atomics), lo ≤ c ≤ hi (or a row flagged by the norm
 * pass) appends (i, j) to the uncertain list, whose first word counts the pairs (beyond `cap`
 * they are counted, not stored). Nothing else is read back: never the k×k cosines.
 */
export const BLOCK_WGSL = /* wgsl */ `
${BLOCK_PARAMS.wgsl}
@group(0) @binding(0) var<storage, read> X: array<f32>;
@group(0) @binding(1) var<storage, read> idx: array<u32>;
@group(0) @binding(2) var<storage, read> inv: array<f32>;
@group(0) @binding(3) var<storage, read_write> bits: array<u32>;
@group(0) @binding(4) var<storage, read_write> unc: array<atomic<u32>>;
@group(0) @binding(5) var<uniform> p: Params;
var<workgroup> As: array<f32, 1024>;
var<workgroup> Bs: array<f32, 1024>;
var<workgroup> nib: array<u32, 1024>;

fn uncertain(i: u32, j: u32) {
  let slot = atomicAdd(&unc[0], 1u);
  if (slot < p.cap) {
    atomicStore(&unc[1u + 2u * slot], i);
    atomicStore(&unc[2u + 2u * slot], j);
  }
}

@compute @workgroup_size(16, 16, 1)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u, @builtin(local_invocation_index) li: u32) {
  let ti = wg.y;
  let tj = wg.x;
  if (ti > tj) { return; }
${tileRowsWgsl({ aLimit: 'p.k', bLimit: 'p.k', bIndex: 'jb' })}
  var acc = array<vec4f, 4>(vec4f(0.0), vec4f(0.0), vec4f(0.0), vec4f(0.0));
  var p0 = vec4f(0.0);
  var p1 = vec4f(0.0);
  var p2 = vec4f(0.0);
  var p3 = vec4f(0.0);
  for (var k0 = 0u; k0 < p.d; k0 += 16u) {
${TILE_LOAD_WGSL}
    p0 = vec4f(0.0);
    p1 = vec4f(0.0);
    p2 = vec4f(0.0);
    p3 = vec4f(0.0);
    for (var kk = 0u; kk < 16u; kk++) {
      let o = kk * 64u;
      let cb = o + 4u * lid.x;
      let b = vec4f(Bs[cb], Bs[cb + 1u], Bs[cb + 2u], Bs[cb + 3u]);
      p0 += As[o + lid.y] * b;
      p1 += As[o + lid.y + 16u] * b;
      p2 += As[o + lid.y + 32u] * b;
      p3 += As[o + lid.y + 48u] * b;
    }
    acc[0] += p0;
    acc[1] += p1;
    acc[2] += p2;
    acc[3] += p3;
    workgroupBarrier();
  }
  for (var r = 0u; r < 4u; r++) {
    let row = lid.y + 16u * r;
    let i = i0 + row;
    var bitsHere = 0u;
    if (i < p.k) {
      let ia = inv[i];
      for (var c = 0u; c < 4u; c++) {
        let j = j0 + 4u * lid.x + c;
        if (j >= p.k || j <= i) { continue; }
        let jb = inv[j];
        if (ia < 0.0 || jb < 0.0) { uncertain(i, j); continue; }
        var v = acc[r][c] * (ia * jb);
        v += select(-p.perturb, p.perturb, v < p.mid);
        if (v > p.hi) { bitsHere = bitsHere | (1u << c); }
        else if (v >= p.lo) { uncertain(i, j); }
      }
    }
    nib[row * 16u + lid.x] = bitsHere;
  }
  workgroupBarrier();
  if (li < 128u) {
    let row = li / 2u;
    let half = li % 2u;
    let i = i0 + row;
    let w = tj * 2u + half;
    if (i < p.k && w < p.words) {
      var word = 0u;
      for (var t = 0u; t < 8u; t++) { word = word | (nib[row * 16u + half * 8u + t] << (4u * t)); }
      bits[i * p.words + w] = word;
    }
  }
}
`;

/** The norm pass of `edgeBlock`. */
export const BLOCK_NORM_SPEC: PipelineSpec = { id: 'edgeBlockNorms', code: BLOCK_NORM_WGSL };

/** The fused cosine + semantic-edge pipeline. */
export const BLOCK_SPEC: PipelineSpec = { id: 'edgeBlock', code: BLOCK_WGSL };
