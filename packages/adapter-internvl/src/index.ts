/**
 * @d2pruner/adapter-internvl — InternVL-2.5 adapter: dynamic tiling, pixel-shuffle token order,
 * global canvas coordinates across tiles, image spans, cost model, prior keys. Nothing is
 * registered on import: call {@link registerInternVLAdapters}.
 * @packageDocumentation
 */
export * from './dims.js';
export * from './tiling.js';
export * from './pixel-shuffle.js';
export * from './internvl.js';
export * from './register.js';
