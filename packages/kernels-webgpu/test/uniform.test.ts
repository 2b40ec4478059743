import { afterAll, describe, expect, it } from 'vitest';
import { uniformStruct } from '../src/gpu/uniform.js';
import { BLOCK_NORM_PARAMS, BLOCK_NORM_WGSL, BLOCK_PARAMS, BLOCK_WGSL } from '../src/shaders/edge-block.js';
import { EDGE_PARAMS, EDGE_WGSL } from '../src/shaders/edge.js';
import { GRAM_PARAMS, GRAM_WGSL } from '../src/shaders/gram.js';
import { HEAD_MEAN_PARAMS, HEAD_MEAN_WGSL } from '../src/shaders/head-mean.js';
import { PAIR_PARAMS, PAIR_WGSL } from '../src/shaders/pair.js';
import { ROW_DOT_PARAMS, ROW_DOT_WGSL } from '../src/shaders/row-dot.js';
import { WebGPUBackend } from '../src/index.js';

const SHADERS = [
  ['gram', GRAM_PARAMS, GRAM_WGSL],
  ['rowDot', ROW_DOT_PARAMS, ROW_DOT_WGSL],
  ['pair', PAIR_PARAMS, PAIR_WGSL],
  ['headMean', HEAD_MEAN_PARAMS, HEAD_MEAN_WGSL],
  ['edge', EDGE_PARAMS, EDGE_WGSL],
  ['edgeBlock', BLOCK_PARAMS, BLOCK_WGSL],
  ['edgeBlockNorms', BLOCK_NORM_PARAMS, BLOCK_NORM_WGSL],
] as const;

describe('uniform structs: one declaration, WGSL text and host packing', () => {
  it.each(SHADERS.map((s) => [s[0], s] as const))('%s embeds exactly its declared struct, and only one', (_n, [, struct, code]) => {
    expect(code).toContain(struct.wgsl);
    expect(code.match(/struct /g)).toHaveLength(1);
    expect(struct.bytes % 16).toBe(0);
  });

  it('packs each field at its offset with its type, and rejects values the type cannot hold', () => {
    const s = uniformStruct('P', [
      ['a', 'u32'],
      ['b', 'i32'],
      ['c', 'f32'],
      ['d', 'u32'],
      ['e', 'f32'],
    ]);
    expect(s.wgsl).toBe('struct P { a: u32, b: i32, c: f32, d: u32, e: f32, pad0: u32, pad1: u32, pad2: u32 }');
    const v = new DataView(s.pack({ a: 0xffffffff, b: -3, c: 0.7, d: 5, e: -Infinity }));
    expect([v.getUint32(0, true), v.getInt32(4, true), v.getFloat32(8, true), v.getUint32(12, true), v.getFloat32(16, true)]).toEqual([0xffffffff, -3, Math.fround(0.7), 5, -Infinity]);
    expect(() => s.pack({ a: -1, b: 0, c: 0, d: 0, e: 0 })).toThrow(expect.objectContaining({ field: 'P.a' }));
    expect(() => s.pack({ a: 0, b: 2 ** 31, c: 0, d: 0, e: 0 })).toThrow(expect.objectContaining({ field: 'P.b' }));
    expect(() => s.pack({ a: 1.5, b: 0, c: 0, d: 0, e: 0 })).toThrow(expect.objectContaining({ field: 'P.a' }));
    expect(() => s.pack({ a: 0, b: 0, c: NaN, d: 0, e: 0 })).toThrow(expect.objectContaining({ field: 'P.c' }));
  });
});

const gpu = new WebGPUBackend();
const hasAdapter = await gpu.available();
if (!hasAdapter) console.warn(`[kernels-webgpu] SKIPPING the uniform round trip on the GPU: no adapter — ${gpu.describe()}`);
afterAll(() => gpu.dispose());

describe.skipIf(!hasAdapter)('uniform structs on the device', () => {
  it('a shader reads every field where the host packed it (u32, negative i32, f32)', async () => {
    const s = uniformStruct('Params', [
      ['k', 'u32'],
      ['r', 'i32'],
      ['lo', 'f32'],
      ['big', 'u32'],
      ['neg', 'i32'],
    ]);
    const code = `${s.wgsl}
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> out: array<u32>;
@compute @workgroup_size(1) fn main() {
  out[0] = p.k; out[1] = bitcast<u32>(p.r); out[2] = bitcast<u32>(p.lo); out[3] = p.big; out[4] = bitcast<u32>(p.neg);
  out[5] = select(0u, 1u, p.r < 0i); out[6] = u32(max(p.neg, -p.neg));
}`;
    const device = gpu.device!;
    const values = { k: 576, r: -2, lo: 0.7999, big: 0x80000001, neg: -7 };
    const ubuf = device.createBuffer({ size: s.bytes, usage: 0x40 | 0x08 });
    device.queue.writeBuffer(ubuf, 0, s.pack(values));
    const out = device.createBuffer({ size: 32, usage: 0x80 | 0x04 });
    const read = device.createBuffer({ size: 32, usage: 0x01 | 0x08 });
    const pipeline = await device.createComputePipelineAsync({ layout: 'auto', compute: { module: device.createShaderModule({ code }), entryPoint: 'main' } });
    const enc = device.createCommandEncoder();
    const pass = enc.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries: [{ binding: 0, resource: { buffer: ubuf } }, { binding: 1, resource: { buffer: out } }] }));
    pass.dispatchWorkgroups(1);
    pass.end();
    enc.copyBufferToBuffer(out, 0, read, 0, 32);
    device.queue.submit([enc.finish()]);
    await read.mapAsync(0x01);
    const got = new Uint32Array(read.getMappedRange().slice(0));
    read.unmap();
    const host = new Uint32Array(s.pack(values));
    expect(Array.from(got.slice(0, 5))).toEqual(Array.from(host.slice(0, 5)));
    expect([got[5], got[6]]).toEqual([1, 7]);
    [ubuf, out, read].forEach((b) => b.destroy());
  });
});
