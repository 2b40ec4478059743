import { InvalidArgumentError } from '@d2pruner/core';

/** Parsed command-line arguments: positionals and `--name value` / `--flag` options. */
export interface ParsedArgs {
  positionals: string[];
  options: Map<string, string | true>;
}

/**
 * Parses argv. `--name value` and `--name=value` set an option; a `--name` followed by another
 * option or nothing is a flag (true). Names in `flags` never take a value.
 */
export function parseArgs(argv: readonly string[], flags: ReadonlySet<string> = new Set()): ParsedArgs {
  const positionals: string[] = [];
  const options = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-' || !a.startsWith('-')) {
      positionals.push(a);
      continue;
    }
    if (!a.startsWith('--')) throw new InvalidArgumentError(a, `unknown option ${a} (options are --name value)`);
    const eq = a.indexOf('=');
    const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
    if (!name) throw new InvalidArgumentError(a, 'empty option name');
    if (eq > 0) options.set(name, a.slice(eq + 1));
    else if (flags.has(name) || i + 1 >= argv.length || (argv[i + 1].startsWith('--') && !/^--?\d/.test(argv[i + 1]))) options.set(name, true);
    else options.set(name, argv[++i]);
  }
  return { positionals, options };
}

/** A string option's value; a typed error when it was given as a bare flag. */
export function stringOption(args: ParsedArgs, name: string): string | undefined {
  const v = args.options.get(name);
  if (v === true) throw new InvalidArgumentError(name, `--${name} needs a value`);
  return v;
}

/** A numeric option's value; a typed error when it does not parse. */
export function numberOption(args: ParsedArgs, name: string): number | undefined {
  const v = stringOption(args, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError(name, `--${name} expects a number, got '${v}'`);
  return n;
}

/** Parses `RxC` (e.g. `24x24`) or `WxH`; a typed error naming the option otherwise. */
export function pairOption(args: ParsedArgs, name: string): [number, number] | undefined {
  const v = stringOption(args, name);
  if (v === undefined) return undefined;
  const m = /^(\d+)[xX×](\d+)$/.exec(v);
  if (!m) throw new InvalidArgumentError(name, `--${name} expects AxB with positive integers, got '${v}'`);
  const a = Number(m[1]);
  const b = Number(m[2]);
  if (a < 1 || b < 1) throw new InvalidArgumentError(name, `--${name} expects positive sizes, got '${v}'`);
  return [a, b];
}
