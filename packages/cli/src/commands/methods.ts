import { kebabCase, type Method, type ParamSpec } from '@d2pruner/core';
import { listMethods } from '@d2pruner/methods';
import type { ParsedArgs } from '../args.js';
import type { CliIo } from '../io.js';

function describeDefault(p: ParamSpec): string {
  if (p.defaultNote) return p.defaultNote;
  if (p.default === undefined || p.default === null) return '—';
  return String(p.default);
}

function methodJson(m: Method) {
  return {
    name: m.name,
    aliases: m.aliases ?? [],
    description: m.description,
    inputs: { required: m.requires, optional: m.optional, layout: m.needsLayout },
    params: m.params.map((p) => ({ ...p, flag: `--${kebabCase(p.name)}` })),
  };
}

/** `d2pruner methods [--json]`: every method with its inputs, parameters and defaults. */
export async function methodsCommand(args: ParsedArgs, io: CliIo): Promise<number> {
  const methods = listMethods();
  if (args.options.get('json') === true) {
    await io.out(JSON.stringify(methods.map(methodJson), null, 2) + '\n');
    return 0;
  }
  const parts: string[] = [];
  for (const m of methods) {
    const alias = m.aliases?.length ? ` (alias ${m.aliases.join(', ')})` : '';
    parts.push(`${m.name}${alias} — ${m.description}`);
    parts.push(`  inputs: ${m.requires.join(', ') || '—'}${m.optional.length ? ` (optional: ${m.optional.join(', ')})` : ''}${m.needsLayout ? ' + layout' : ''}`);
    for (const p of m.params) {
      const domain = p.enum ? ` {${p.enum.join('|')}}` : p.min !== undefined || p.max !== undefined ? ` [${p.min ?? '-∞'}, ${p.max ?? '∞'}]` : '';
      parts.push(`  --${kebabCase(p.name)} <${p.type}>${domain}  default ${describeDefault(p)} — ${p.description}`);
    }
    parts.push('');
  }
  await io.out(parts.join('\n'));
  return 0;
}
