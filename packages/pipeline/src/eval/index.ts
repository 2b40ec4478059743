export * from './labels.js';
export * from './metrics.js';
export * from './evaluate.js';
export * from './score.js';
export * from './pipeline.js';
export * from './scene-layout.js';
export * from './scenes.js';
export * from './runs.js';
