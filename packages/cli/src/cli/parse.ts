import { parseArgs, type ParseArgsConfig } from 'node:util';
import { InvalidArgumentError } from '@d2pruner/core';
import type { AnyCommand, CommandArgs } from './command.js';
import { convertOption } from './convert.js';
import { methodFlags } from './method-flags.js';
import type { OptionSpecs } from './option.js';

type ParseOptions = NonNullable<ParseArgsConfig['options']>;

const NEGATIVE_NUMBER = /^-(\d|\.\d)/;
const BOOLEAN_WORD = /^(true|false|1|0)$/;

/** Whether argv asks for help (`--help` or `-h` before any `--`). */
export function wantsHelp(argv: readonly string[]): boolean {
  for (const a of argv) {
    if (a === '--') return false;
    if (a === '--help' || a === '-h') return true;
  }
  return false;
}

/**
 * Rewrites what `node:util` parseArgs would misread: a negative number after an option that
 * takes a value (`--keep -3` → `--keep=-3`), and explicit boolean values (`--text false`,
 * `--text=false`, `--no-text`), which are taken out and returned separately (`taken` lists their
 * names once per occurrence, so that a repeated one is still seen).
 */
function normalize(argv: readonly string[], booleans: ReadonlySet<string>, valued: ReadonlySet<string>) {
  const args: string[] = [];
  const explicit = new Map<string, boolean>();
  const taken: string[] = [];
  const take = (name: string, value: boolean) => {
    explicit.set(name, value);
    taken.push(name);
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      args.push(...argv.slice(i));
      break;
    }
    const m = /^--([^=]+)(?:=(.*))?$/.exec(a);
    if (!m) {
      args.push(a);
      continue;
    }
    const [, name, inline] = m;
    if (booleans.has(name) && inline !== undefined && BOOLEAN_WORD.test(inline)) take(name, inline === 'true' || inline === '1');
    else if (booleans.has(name) && inline === undefined && BOOLEAN_WORD.test(argv[i + 1] ?? '')) take(name, ['true', '1'].includes(argv[++i]));
    else if (name.startsWith('no-') && booleans.has(name.slice(3)) && inline === undefined) take(name.slice(3), false);
    else if (valued.has(name) && inline === undefined && NEGATIVE_NUMBER.test(argv[i + 1] ?? '')) args.push(`--${name}=${argv[++i]}`);
    else args.push(a);
  }
  return { args, explicit, taken };
}

/**
 * The first option of `command` given more than once (an option declared `multiple` may repeat),
 * counting the options parseArgs read and the boolean values `normalize` took out; undefined when
 * none is. A repeated option would otherwise keep its last value and drop the others silently.
 */
function repeatedOption(command: AnyCommand, tokens: readonly { kind: string; name?: string }[], taken: readonly string[]): string | undefined {
  const seen = new Set<string>();
  for (const name of [...taken, ...tokens.flatMap((t) => (t.kind === 'option' && t.name ? [t.name] : []))]) {
    if (command.options[name]?.multiple) continue;
    if (seen.has(name)) return name;
    seen.add(name);
  }
  return undefined;
}

function parseError(command: AnyCommand, e: unknown): Error {
  const err = e as { code?: string; message?: string };
  const flag = /'(--?[^' ]+)/.exec(err.message ?? '')?.[1] ?? '';
  const name = flag.replace(/^-+/, '') || 'arguments';
  if (err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    return new InvalidArgumentError(name, `unknown option ${flag} for '${command.name}'; see d2pruner ${command.name} --help`);
  }
  if (err.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const takesNone = /does not take an argument/.test(err.message ?? '');
    return new InvalidArgumentError(name, takesNone ? `${flag} takes no value` : `${flag} needs a value`);
  }
  return e instanceof Error ? e : new InvalidArgumentError('arguments', String(e));
}

/**
 * Parses a command's arguments against its declaration with `node:util` parseArgs (strict):
 * values typed and defaulted, an unknown option, a missing value or an option given twice (one
 * not declared `multiple`, method parameter flags included) a typed error naming it.
 * Commands with `methodParams` also accept every method's parameter flags, returned raw.
 */
export function parseCommandArgs(command: AnyCommand, argv: readonly string[]): CommandArgs<OptionSpecs> {
  const config: ParseOptions = {};
  const booleans = new Set<string>();
  const valued = new Set<string>();
  const params = command.methodParams ? methodFlags() : new Map();
  for (const flag of params.values()) {
    config[flag.name] = { type: flag.boolean ? 'boolean' : 'string' };
    (flag.boolean ? booleans : valued).add(flag.name);
  }
  for (const [name, spec] of Object.entries(command.options)) {
    config[name] = { type: spec.type === 'boolean' ? 'boolean' : 'string', ...(spec.short ? { short: spec.short } : {}), ...(spec.multiple ? { multiple: true } : {}) };
    (spec.type === 'boolean' ? booleans : valued).add(name);
    if (spec.type !== 'boolean') booleans.delete(name);
  }
  const { args, explicit, taken } = normalize(argv, booleans, valued);
  let parsed;
  try {
    parsed = parseArgs({ args, options: config, strict: true, allowPositionals: true, tokens: true });
  } catch (e) {
    throw parseError(command, e);
  }
  const repeated = repeatedOption(command, parsed.tokens, taken);
  if (repeated) throw new InvalidArgumentError(repeated, `--${repeated} is given more than once; give it once`);
  const raw = new Map<string, string | boolean | (string | boolean)[]>(Object.entries(parsed.values).map(([k, v]) => [k, v as string | boolean | (string | boolean)[]]));
  for (const [k, v] of explicit) raw.set(k, v);
  if (!command.positionals && parsed.positionals.length) {
    throw new InvalidArgumentError('arguments', `'${command.name}' takes no positional arguments, got '${parsed.positionals[0]}'; see d2pruner ${command.name} --help`);
  }
  const values: Record<string, unknown> = {};
  const given = new Set<string>();
  const methodParams = new Map<string, string | boolean>();
  for (const [name, v] of raw) {
    const spec = command.options[name];
    if (spec) {
      values[name] = Array.isArray(v) ? v.map((x) => convertOption(name, spec, x)) : convertOption(name, spec, v);
      given.add(name);
    } else if (!Array.isArray(v)) {
      methodParams.set(name, v);
    }
  }
  for (const [name, spec] of Object.entries(command.options)) if (!(name in values) && spec.default !== undefined) values[name] = spec.default;
  return { values: values as CommandArgs<OptionSpecs>['values'], positionals: parsed.positionals, given, params: methodParams };
}
