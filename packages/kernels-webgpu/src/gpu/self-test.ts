import { BackendUnavailableError } from '@d2pruner/core';
import { BufferUsage, MAP_READ } from './usage.js';

/** Values of the known-answer test: out[i] = 2·a[i] + 1, exact in float32 for these inputs. */
const COUNT = 64;

const SHADER = /* wgsl */ `
@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let i = id.x;
  if (i < arrayLength(&out)) { out[i] = a[i] * 2.0 + 1.0; }
}`;

/** The inputs and the answer every device that computes must give, bit for bit. */
export function selfTestCase(): { input: Float32Array; expected: Float32Array } {
  const input = Float32Array.from({ length: COUNT }, (_, i) => (i - 20) * 0.75);
  return { input, expected: input.map((v) => 2 * v + 1) };
}

/**
 * Runs one small known-answer compute pass on a new device and refuses it (BACKEND_UNAVAILABLE)
 * unless the answer is exact: an adapter that accepts work but computes nothing — Dawn's `null`
 * backend, a broken driver — would otherwise return zeros or garbage as results. Costs one tiny
 * pipeline and dispatch, once per device.
 */
export async function checkDeviceComputes(device: GPUDevice, label: string): Promise<void> {
  const { input, expected } = selfTestCase();
  const bytes = input.byteLength;
  const a = device.createBuffer({ size: bytes, usage: BufferUsage.STORAGE | BufferUsage.COPY_DST, label: 'd2pruner self-test a' });
  const out = device.createBuffer({ size: bytes, usage: BufferUsage.STORAGE | BufferUsage.COPY_SRC, label: 'd2pruner self-test out' });
  const staging = device.createBuffer({ size: bytes, usage: BufferUsage.MAP_READ | BufferUsage.COPY_DST, label: 'd2pruner self-test read' });
  let got: Float32Array;
  try {
    device.queue.writeBuffer(a, 0, input.buffer, input.byteOffset, input.byteLength);
    const module = device.createShaderModule({ code: SHADER, label: 'd2pruner self-test' });
    const pipeline = await device.createComputePipelineAsync({ layout: 'auto', compute: { module, entryPoint: 'main' } });
    const bind = device.createBindGroup({
      layout: pipeline.getBindGroupLayout(0),
      entries: [
        { binding: 0, resource: { buffer: a } },
        { binding: 1, resource: { buffer: out } },
      ],
    });
    const encoder = device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bind);
    pass.dispatchWorkgroups(1);
    pass.end();
    encoder.copyBufferToBuffer(out, 0, staging, 0, bytes);
    device.queue.submit([encoder.finish()]);
    await staging.mapAsync(MAP_READ, 0, bytes);
    got = new Float32Array(staging.getMappedRange(0, bytes).slice(0));
    staging.unmap();
  } catch (e) {
    throw new BackendUnavailableError('webgpu', `the self-test compute pass failed on ${label}: ${e instanceof Error ? e.message : String(e)}`);
  } finally {
    a.destroy();
    out.destroy();
    staging.destroy();
  }
  const bad = expected.findIndex((v, i) => !Object.is(v, got[i]));
  if (bad >= 0) {
    throw new BackendUnavailableError('webgpu', `${label} does not compute: a known-answer test read out[${bad}] = ${got[bad]}, expected ${expected[bad]} (an adapter that runs no shaders, such as Dawn's null backend, cannot be used)`);
  }
}
