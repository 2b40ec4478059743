import { InvalidArgumentError, isD2PrunerError } from '@d2pruner/core';
import { describeLoadedBackends, disposeBackends } from './backends.js';
import type { AnyCommand } from './cli/command.js';
import { commandHelp, generalHelp } from './cli/help.js';
import { parseCommandArgs, wantsHelp } from './cli/parse.js';
import { COMMAND_LIST } from './commands/index.js';
import { processIo, type CliIo } from './io.js';
import { oneLine } from './one-line.js';
import { cliVersion } from './version.js';

/** The commands by name. */
export const COMMANDS: Readonly<Record<string, AnyCommand>> = Object.fromEntries(COMMAND_LIST.map((c) => [c.name, c]));

function commandNamed(name: string): AnyCommand {
  const command = COMMANDS[name];
  if (!command) throw new InvalidArgumentError('command', `unknown command '${name}'; commands: ${Object.keys(COMMANDS).join(', ')} (d2pruner --help)`);
  return command;
}

async function dispatch(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--version' || name === '-v') {
    await io.out(`${await cliVersion()}\n`);
    return 0;
  }
  if (name === 'help' && rest[0]) {
    await io.out(commandHelp(commandNamed(rest[0])));
    return 0;
  }
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    await io.out(generalHelp(COMMAND_LIST));
    return name ? 0 : 2;
  }
  const command = commandNamed(name);
  if (wantsHelp(rest)) {
    await io.out(commandHelp(command));
    return 0;
  }
  return command.run(parseCommandArgs(command, rest), io);
}

/**
 * Runs the CLI with `argv` (without node and script) and returns the exit code. Typed errors
 * print `error [CODE] field: message` on stderr and return 2; anything else returns 1. Never a
 * stack trace, and always one line (`oneLine`: a message quoting a file's value keeps no line break).
 */
export async function main(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  try {
    return await dispatch(argv, io);
  } catch (e) {
    if (isD2PrunerError(e)) {
      io.err(`d2pruner: error [${e.code}] ${oneLine(e.field)}: ${oneLine(e.message)}\n`);
      return e.code === 'INTERNAL' ? 1 : 2;
    }
    io.err(`d2pruner: internal error: ${oneLine(e instanceof Error ? e.message : String(e))}\n`);
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
