import { kebabCase, type Method, type ParamSpec } from '@d2pruner/core';
import { listMethods } from '@d2pruner/methods';
import { defineCommand } from '../cli/command.js';
import { JSON_OPTION } from '../cli/common-options.js';

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
export const methodsCommand = defineCommand({
  name: 'methods',
  summary: 'Every method with the tensors it reads, its parameters and their defaults.',
  usage: ['methods [--json]'],
  options: { json: JSON_OPTION },
  examples: ['methods', 'methods --json'],
  run: async ({ values }, io) => {
  const methods = listMethods();
  if (values.json) {
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
  },
});
