/**
 * Execution providers of transformers.js devices (its device → provider table), for the split
 * decoder's parts: created directly with onnxruntime, they would otherwise run on the CPU while
 * the rest of a model loaded with `device: 'webgpu'` (or `cuda`, …) runs on the GPU.
 */
const DEVICE_PROVIDERS: Readonly<Record<string, unknown>> = {
  cpu: 'cpu',
  wasm: 'wasm',
  webgpu: 'webgpu',
  cuda: 'cuda',
  dml: 'dml',
  coreml: 'coreml',
  webnn: { name: 'webnn', deviceType: 'cpu' },
  'webnn-npu': { name: 'webnn', deviceType: 'npu' },
  'webnn-gpu': { name: 'webnn', deviceType: 'gpu' },
  'webnn-cpu': { name: 'webnn', deviceType: 'cpu' },
};

/**
 * The onnxruntime session options of a split decoder part: `sessionOptions` as given when they
 * name `executionProviders`; else, for a model loaded on a named transformers.js `device`, those
 * options plus that device's provider, so the parts run where the merged decoder runs. `auto`,
 * `gpu` and an unset device leave the options as they are (onnxruntime's default, the CPU in
 * Node): pass `executionProviders` in `sessionOptions` to choose.
 */
export function splitSessionOptions(device: string | undefined, sessionOptions: Record<string, unknown> = {}): Record<string, unknown> {
  if (sessionOptions.executionProviders !== undefined || device === undefined) return sessionOptions;
  const provider = Object.hasOwn(DEVICE_PROVIDERS, device) ? DEVICE_PROVIDERS[device] : undefined;
  return provider === undefined ? sessionOptions : { ...sessionOptions, executionProviders: [provider] };
}
