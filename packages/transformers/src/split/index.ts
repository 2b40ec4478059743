export * from './errors.js';
export * from './names.js';
export * from './graph.js';
export * from './find.js';
export * from './surgery.js';
export * from './files.js';
