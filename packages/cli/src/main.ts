import { InvalidArgumentError, isD2PrunerError } from '@d2pruner/core';
import { parseArgs, type ParsedArgs } from './args.js';
import { describeLoadedBackends, disposeBackends } from './backends.js';
import { calibrateCommand } from './commands/calibrate.js';
import { flopsCommand } from './commands/flops.js';
import { layoutCommand } from './commands/layout.js';
import { renderCommand } from './commands/render.js';
import { methodsCommand } from './commands/methods.js';
import { pruneCommand } from './commands/prune.js';
import { processIo, type CliIo } from './io.js';

/** A CLI command: parsed arguments in, exit code out. */
export type Command = (args: ParsedArgs, io: CliIo) => Promise<number>;

/** The commands by name. */
export const COMMANDS: Record<string, Command> = {
  prune: pruneCommand,
  methods: methodsCommand,
  calibrate: calibrateCommand,
  flops: flopsCommand,
  layout: layoutCommand,
  render: renderCommand,
  generate: async (args, io) => (await import('./commands/generate.js')).generateCommand(args, io),
  'split-decoder': async (args, io) => (await import('./commands/split-decoder.js')).splitDecoderCommand(args, io),
};

const USAGE = `usage: d2pruner <command> [options]

commands:
  prune FILE… --method NAME (--keep N | --ratio R) [--PARAM VALUE…] [--backend auto|cpu|webgpu|gpujs] [--json] [--out FILE]
  prune --batch FILE.jsonl|-      one request per line, one result line per request
  methods [--json]                methods with their parameters and defaults
  calibrate FILES… --out prior.safetensors [--model ID --layer K]
  flops --model ID --keep N [--visual V | --image WxH [--max-tiles M]] [--layer K] [--text T] [--formula fastv|exact] [--json]
  layout --model ID --image WxH [--max-tiles M] [--json]
  generate --model DIR --image IMG --prompt TEXT [--method M --keep N | --no-prune] [--layer K [--split DIR]] [--prior FILE]
           [--max-new-tokens T] [--save-tokens FILE] [--json]
  split-decoder MODEL_DIR --layer K [--out DIR]   cut an exported LLaVA decoder before layer K (for generate --layer K)
  prune FILE … --model ID --image WxH   build the layout from a model adapter when the file has none
  render FILE --method NAME --keep N --out overlay.png [--cell PX]   kept tokens drawn over the token grid

exit codes: 0 ok, 2 invalid input or arguments (message on stderr), 1 internal failure
`;

/**
 * Runs the CLI with `argv` (without node and script) and returns the exit code. Typed errors
 * print `error [CODE] field: message` on stderr and return 2; anything else returns 1. Never a
 * stack trace.
 */
export async function main(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    await io.out(USAGE);
    return name ? 0 : 2;
  }
  try {
    const command = COMMANDS[name];
    if (!command) throw new InvalidArgumentError('command', `unknown command '${name}'; commands: ${Object.keys(COMMANDS).join(', ')}`);
    return await command(parseArgs(rest, new Set(['json'])), io);
  } catch (e) {
    if (isD2PrunerError(e)) {
      io.err(`d2pruner: error [${e.code}] ${e.field}: ${e.message}\n`);
      return e.code === 'INTERNAL' ? 1 : 2;
    }
    io.err(`d2pruner: internal error: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  } finally {
    for (const line of await describeLoadedBackends()) io.err(`d2pruner: ${line}\n`);
    await disposeBackends();
  }
}

/** Entry point of the `d2pruner` binary. */
export function runCli(argv: readonly string[]): Promise<number> {
  return main(argv, processIo);
}
