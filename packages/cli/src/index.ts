/**
 * @d2pruner/cli — the `d2pruner` command (docs/formats.md §3), also callable in-process through
 * {@link main} with an injectable {@link CliIo}.
 * @packageDocumentation
 */
export { main, runCli, COMMANDS } from './main.js';
export { defineCommand, type AnyCommand, type CommandArgs, type CommandSpec } from './cli/command.js';
export type { OptionSpec, OptionSpecs, OptionType, OptionValue, OptionValues } from './cli/option.js';
export { parseCommandArgs } from './cli/parse.js';
export { commandHelp, generalHelp } from './cli/help.js';
export { processIo, type CliIo } from './io.js';
export { executeRequest, type PruneRequest } from './request.js';
export { runBatch, type BatchOptions } from './commands/batch.js';
