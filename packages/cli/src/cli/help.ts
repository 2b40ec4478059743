import type { ParamSpec } from '@d2pruner/core';
import type { AnyCommand } from './command.js';
import { methodFlags } from './method-flags.js';
import { flagLabel, type OptionSpec } from './option.js';

function describeDefault(spec: OptionSpec): string {
  if (spec.defaultNote) return ` (default: ${spec.defaultNote})`;
  if (spec.default === undefined || spec.type === 'boolean') return '';
  return ` (default: ${Array.isArray(spec.default) ? spec.default.join('x') : String(spec.default)})`;
}

function paramValueLabel(spec: ParamSpec): string {
  if (spec.enum) return spec.enum.join('|');
  return spec.type === 'string' ? 'VALUE' : 'N';
}

function table(rows: [string, string][]): string[] {
  const width = Math.min(36, Math.max(...rows.map(([a]) => a.length)) + 2);
  return rows.map(([a, b]) => `  ${a.padEnd(width)}${a.length >= width ? `\n  ${' '.repeat(width)}` : ''}${b}`);
}

/** The `d2pruner COMMAND --help` text: call forms, options with defaults, method parameters, examples. */
export function commandHelp(command: AnyCommand): string {
  const lines = [`usage: ${command.usage.map((u) => `d2pruner ${u}`).join('\n       ')}`, '', command.summary, '', 'options:'];
  const rows: [string, string][] = Object.entries(command.options).map(([name, spec]) => [flagLabel(name, spec), spec.description + describeDefault(spec)]);
  rows.push(['-h, --help', 'this help']);
  lines.push(...table(rows));
  if (command.methodParams) {
    lines.push('', 'method parameters (accepted by the methods named; `d2pruner methods` lists ranges and defaults):');
    const flags = [...methodFlags().values()].map((f): [string, string] => [
      f.boolean ? `--${f.name}, --no-${f.name}` : `--${f.name} ${paramValueLabel(f.specs[0].spec)}`,
      f.specs.map((s) => s.method).join(', '),
    ]);
    lines.push(...table(flags));
  }
  lines.push('', `example${command.examples.length > 1 ? 's' : ''}:`, ...command.examples.map((e) => `  d2pruner ${e}`), '');
  return lines.join('\n');
}

/** The general help: every command's call forms and every option it takes. */
export function generalHelp(commands: readonly AnyCommand[]): string {
  const lines = ['usage: d2pruner <command> [options]      d2pruner <command> --help for its options, defaults and an example', '', 'commands:'];
  for (const c of commands) {
    lines.push(`  ${c.usage[0]}`, `      ${c.summary}`);
    for (const u of c.usage.slice(1)) lines.push(`  ${u}`);
    const flags = Object.entries(c.options).map(([n, s]) => flagLabel(n, s));
    if (c.methodParams) flags.push('--PARAM VALUE… (method parameters)');
    lines.push(`      options: ${flags.join('  ')}`, '');
  }
  lines.push('  --version                print the version', '  --help, -h               this help', '');
  lines.push(
    'exit codes: 0 ok, 2 invalid input or arguments (message on stderr), 1 internal failure',
    '  prune --batch: 0 when every line got its result line, failed lines included (each an error',
    '  line on stdout, counted on stderr); with --strict, 1 when any line failed; 2 when the batch',
    '  itself cannot be read',
    'input files must be regular files of at most 1 GiB (not directories, FIFOs or devices)',
    '',
  );
  return lines.join('\n');
}
