export { findBadPointers, docsIndex, citedSections, sectionNumbers, SPEC_FILE_NAMES, type BadPointer, type DocsIndex, type TextFile } from './pointers.js';
export { repositoryPaths, shippedTextFiles } from './repo.js';
