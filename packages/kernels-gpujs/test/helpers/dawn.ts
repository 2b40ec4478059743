import type { NavigatorGpuLike } from '../../src/index.js';

/** A Dawn `GPU` object for gpu.js' webgpu mode in Node: a real GPU first, else Dawn's GL backend (compatibility mode). */
export async function dawnNavigatorGpu(): Promise<{ gpu: NavigatorGpuLike; label: string } | { gpu: null; label: string }> {
  let dawn: { create(flags: string[]): NavigatorGpuLike };
  try {
    dawn = (await import('webgpu')) as unknown as typeof dawn;
  } catch (e) {
    return { gpu: null, label: `the 'webgpu' package cannot be loaded: ${String(e)}` };
  }
  const native = dawn.create([]);
  if (await native.requestAdapter()) return { gpu: native, label: 'Dawn default backend' };
  process.env.EGL_PLATFORM ??= 'surfaceless';
  const gl = dawn.create(['backend=opengles']);
  const compat: NavigatorGpuLike = { requestAdapter: (o?: object) => gl.requestAdapter({ ...o, featureLevel: 'compatibility' }) };
  if (await compat.requestAdapter()) return { gpu: compat, label: 'Dawn opengles (compatibility)' };
  return { gpu: null, label: 'Dawn found no adapter' };
}
