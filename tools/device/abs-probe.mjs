#!/usr/bin/env node
/**
 * Root-cause probe for the edge-rule fault seen on the NVIDIA Vulkan driver: computes |a − b| of
 * i32 values loaded from a storage buffer in several ways and counts wrong results per variant
 * (a = row of token j, b = row of token i on a 24×24 grid, so half the differences are
 * negative), then runs the shipped `edgeBitset` kernel on the controlled input (all cosines 0.7,
 * alpha 0.5, theta 0.8) and counts bits that differ from the CPU reference.
 * usage: node tools/device/abs-probe.mjs
 */
import { cpuEdgeBitset, KernelRegistry } from '@d2pruner/kernels';
import { registerWebGPUBackend } from '@d2pruner/kernels-webgpu/register';

const VARIANTS = {
  'abs(i32)': 'abs(d)',
  'max(d, -d)': 'max(d, -d)',
  'select(-d, d, d >= 0)': 'select(-d, d, d >= 0i)',
  'abs(f32(d))': 'i32(abs(f32(d)))',
  'max(abs(dr), abs(dc)) <= 1': 'select(0i, 1i, max(abs(d), abs(e)) <= 1i)',
};

const code = (expr) => /* wgsl */ `
@group(0) @binding(0) var<storage, read> rows: array<i32>;
@group(0) @binding(1) var<storage, read_write> out: array<i32>;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let t = gid.x;
  let n = arrayLength(&rows);
  if (t >= n * n) { return; }
  let i = t / n;
  let j = t % n;
  let d = rows[j] - rows[i];
  let e = rows[(j + 7u) % n] - rows[i];
  out[t] = ${expr};
}`;

/** The edge shader as it was shipped before the fix (i32 coordinates, `abs`, i32 radius uniform). */
const OLD_EDGE = /* wgsl */ `
struct Params { k: u32, words: u32, radius: i32, total: u32, alpha: f32, oneMinusAlpha: f32, theta: f32, p0: u32 }
@group(0) @binding(0) var<storage, read> cosm: array<f32>;
@group(0) @binding(1) var<storage, read> coords: array<i32>;
@group(0) @binding(2) var<storage, read_write> out: array<u32>;
@group(0) @binding(3) var<uniform> p: Params;
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
    if (coords[j] == fi && max(abs(coords[p.k + j] - ri), abs(coords[2u * p.k + j] - ci)) <= p.radius) { spat = 1.0; }
    let s = p.alpha * clamp(cosm[i * p.k + j], 0.0, 1.0) + p.oneMinusAlpha * spat;
    if (s > p.theta) { bits = bits | (1u << (j - j0)); }
  }
  out[t] = bits;
}`;

async function runOldEdge(device, input) {
  const { k, cos, frame, row, col, alpha, theta, radius } = input;
  const words = Math.ceil(k / 32);
  const total = k * words;
  const coords = new Int32Array(3 * k);
  coords.set(frame);
  coords.set(row, k);
  coords.set(col, 2 * k);
  const params = new ArrayBuffer(32);
  new Uint32Array(params).set([k, words, 0, total]);
  new Int32Array(params)[2] = radius;
  new Float32Array(params).set([alpha, 1 - alpha, theta], 4);
  const buf = (data, usage) => {
    const b = device.createBuffer({ size: Math.max(16, data.byteLength), usage: usage | 0x08 });
    device.queue.writeBuffer(b, 0, data);
    return b;
  };
  const out = device.createBuffer({ size: total * 4, usage: 0x80 | 0x04 });
  const read = device.createBuffer({ size: total * 4, usage: 0x01 | 0x08 });
  const pipeline = await device.createComputePipelineAsync({ layout: 'auto', compute: { module: device.createShaderModule({ code: OLD_EDGE }), entryPoint: 'main' } });
  const enc = device.createCommandEncoder();
  const pass = enc.beginComputePass();
  pass.setPipeline(pipeline);
  const res = [buf(cos, 0x80), buf(coords, 0x80), out, buf(new Uint8Array(params), 0x40)];
  pass.setBindGroup(0, device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries: res.map((b, binding) => ({ binding, resource: { buffer: b } })) }));
  pass.dispatchWorkgroups(Math.ceil(total / 64));
  pass.end();
  enc.copyBufferToBuffer(out, 0, read, 0, total * 4);
  device.queue.submit([enc.finish()]);
  await read.mapAsync(0x01);
  const got = new Uint32Array(read.getMappedRange().slice(0));
  read.unmap();
  return got;
}

const registry = new KernelRegistry();
const gpu = registerWebGPUBackend(registry);
try {
  if (!(await gpu.available())) throw new Error(`no adapter: ${gpu.describe()}`);
  const device = gpu.device;
  console.log(`abs-probe on ${gpu.describe()}`);
  const n = 64;
  const rows = Int32Array.from({ length: n }, (_, i) => Math.floor(i / 3) - 5);
  const STORAGE = 0x80, COPY_DST = 0x08, COPY_SRC = 0x04, MAP_READ = 0x01;
  const src = device.createBuffer({ size: rows.byteLength, usage: STORAGE | COPY_DST });
  device.queue.writeBuffer(src, 0, rows);
  for (const [name, expr] of Object.entries(VARIANTS)) {
    const out = device.createBuffer({ size: n * n * 4, usage: STORAGE | COPY_SRC });
    const read = device.createBuffer({ size: n * n * 4, usage: MAP_READ | COPY_DST });
    const pipeline = await device.createComputePipelineAsync({ layout: 'auto', compute: { module: device.createShaderModule({ code: code(expr) }), entryPoint: 'main' } });
    const enc = device.createCommandEncoder();
    const pass = enc.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries: [{ binding: 0, resource: { buffer: src } }, { binding: 1, resource: { buffer: out } }] }));
    pass.dispatchWorkgroups(Math.ceil((n * n) / 64));
    pass.end();
    enc.copyBufferToBuffer(out, 0, read, 0, n * n * 4);
    device.queue.submit([enc.finish()]);
    await read.mapAsync(MAP_READ);
    const got = new Int32Array(read.getMappedRange().slice(0));
    read.unmap();
    let wrong = 0;
    let example = '';
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        const d = rows[j] - rows[i];
        const e = rows[(j + 7) % n] - rows[i];
        const want = name.startsWith('max(abs(dr)') ? (Math.max(Math.abs(d), Math.abs(e)) <= 1 ? 1 : 0) : Math.abs(d);
        if (got[i * n + j] !== want) {
          wrong++;
          example ||= ` e.g. d=${d}${name.startsWith('max(abs(dr)') ? ` e=${e}` : ''}: got ${got[i * n + j]}, want ${want}`;
        }
      }
    }
    console.log(`  ${name.padEnd(28)} ${wrong}/${n * n} wrong${example}`);
    out.destroy();
    read.destroy();
  }
  for (const radius of [0, 1, 2]) {
    const k = 576;
    const cos = new Float32Array(k * k).fill(0.7);
    const input = { cos, k, frame: new Int32Array(k), row: Int32Array.from({ length: k }, (_, i) => Math.floor(i / 24)), col: Int32Array.from({ length: k }, (_, i) => i % 24), alpha: 0.5, theta: 0.8, radius };
    const want = cpuEdgeBitset(input);
    const count = (got) => {
      let diff = 0;
      for (let w = 0; w < want.length; w++) for (let x = (want[w] ^ got[w]) >>> 0; x; x &= x - 1) diff++;
      return diff;
    };
    console.log(`  edge rule, all cos 0.7, radius ${radius}: old i32/abs shader ${count(await runOldEdge(device, input))} bits differ from the CPU, fixed u32 shader ${count(await gpu.run('edgeBitset', input))}`);
  }
} catch (e) {
  console.log(`abs-probe failed: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
} finally {
  await registry.dispose();
}
