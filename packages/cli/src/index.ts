/**
 * @d2pruner/cli — the `d2pruner` command (docs/formats.md §3), also callable in-process through
 * {@link main} with an injectable {@link CliIo}.
 * @packageDocumentation
 */
export { main, runCli, COMMANDS, type Command } from './main.js';
export { parseArgs, type ParsedArgs } from './args.js';
export { processIo, type CliIo } from './io.js';
export { executeRequest, type PruneRequest } from './request.js';
export { runBatch, type BatchOptions } from './commands/batch.js';
