import type { CliIo } from '../io.js';
import type { OptionSpecs, OptionValues } from './option.js';

/** What a command's `run` receives: typed options, positionals and the method parameter flags given. */
export interface CommandArgs<O extends OptionSpecs> {
  /** Option values, typed by the declaration, defaults applied. */
  values: OptionValues<O>;
  /** Arguments that are not options (files). */
  positionals: string[];
  /** Options the user actually gave (defaults excluded), by flag name. */
  given: ReadonlySet<string>;
  /**
   * Method parameter flags given (commands with `methodParams`), by flag name: a string, or a
   * boolean for boolean parameters. Checked against the chosen method by `methodParamsFromArgs`.
   */
  params: ReadonlyMap<string, string | boolean>;
}

/**
 * Declares one command: its name, what it does, how it is called, its options, and what it runs.
 * Everything the user sees about the command (help, general usage, errors) comes from here.
 */
export interface CommandSpec<O extends OptionSpecs = OptionSpecs> {
  /** The command's name (`d2pruner NAME`). */
  name: string;
  /** One line for the general help. */
  summary: string;
  /** Call forms without the leading `d2pruner`, e.g. `prune FILE… --keep N`. */
  usage: readonly string[];
  /** The command's own options. */
  options: O;
  /** Whether the flags of the methods' parameters (`--alpha`, `--pivot-ratio`, …) are accepted. */
  methodParams?: boolean;
  /** Whether it takes positionals (files); others make extra words an error. */
  positionals?: string;
  /** Ready-to-run examples, without the leading `d2pruner`. */
  examples: readonly string[];
  /** Runs the command and returns the exit code. */
  run(args: CommandArgs<O>, io: CliIo): Promise<number>;
}

/** A command of any option set, as the registry holds it. */
export interface AnyCommand {
  name: string;
  summary: string;
  usage: readonly string[];
  options: OptionSpecs;
  methodParams?: boolean;
  positionals?: string;
  examples: readonly string[];
  /** Runs the command with its parsed arguments and returns the exit code. */
  run(args: CommandArgs<OptionSpecs>, io: CliIo): Promise<number>;
}

/** Declares a command; the option types flow into `run`'s arguments. */
export function defineCommand<const O extends OptionSpecs>(spec: CommandSpec<O>): AnyCommand {
  return spec as unknown as AnyCommand;
}
