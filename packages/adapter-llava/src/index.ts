/**
 * @d2pruner/adapter-llava — LLaVA-1.5 (7B, 13B) and LLaVA-NeXT (7B, anyres) adapters: token
 * layouts from image size and preprocessing, image spans in input ids, cost model, prior keys.
 * Nothing is registered on import: call {@link registerLlavaAdapters}.
 * @packageDocumentation
 */
export * from './dims.js';
export * from './llava15.js';
export * from './anyres.js';
export * from './llava-next.js';
export * from './newline.js';
export * from './register.js';
