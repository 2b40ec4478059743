import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../src/index.js';
import { ROOT, runCli } from './helpers.js';

const VEC = join(ROOT, 'fixtures/vectors/d2pruner');

describe('d2pruner help and version', () => {
  it('--version prints the package version', async () => {
    const version = (JSON.parse(readFileSync(join(ROOT, 'packages/cli/package.json'), 'utf8')) as { version: string }).version;
    for (const flag of ['--version', '-v']) {
      const r = await runCli([flag]);
      expect(r.code).toBe(0);
      expect(r.out).toBe(`${version}\n`);
    }
  });

  it.each(Object.keys(COMMANDS))('%s --help and -h exit 0 with every declared option, its default and an example', async (name) => {
    const command = COMMANDS[name];
    for (const flag of ['--help', '-h']) {
      const r = await runCli([name, flag]);
      expect(r.code).toBe(0);
      expect(r.err).toBe('');
      expect(r.out).toContain(`usage: d2pruner ${name}`);
      for (const [option, spec] of Object.entries(command.options)) {
        expect(r.out).toContain(`--${option}`);
        if (spec.default !== undefined && spec.type !== 'boolean') expect(r.out).toContain(`(default: ${String(spec.default)})`);
      }
      expect(r.out).toMatch(/examples?:\n {2}d2pruner /);
    }
  });

  it('prune --help lists the method parameter flags derived from the methods', async () => {
    const r = await runCli(['prune', '--help', '--keep', 'not-even-parsed']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('--pivot-ratio N');
    expect(r.out).toContain('--text, --no-text');
    expect(r.out).toContain('(default: d2pruner)');
    expect(r.out).toContain('--workers N');
    expect(r.out).toContain('(default: one per core; 0 with a GPU --backend)');
    expect(r.out).toContain('(default: 2 × workers; 2 with --workers 0)');
  });

  it('the general help names every command and every option, including --workers, --concurrency, --prior, --grid', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    for (const [name, command] of Object.entries(COMMANDS)) {
      expect(r.out).toContain(`  ${name}`);
      for (const option of Object.keys(command.options)) expect(r.out).toContain(`--${option}`);
    }
    for (const option of ['--workers N', '--concurrency C', '--prior FILE', '--grid RxC', '--version']) expect(r.out).toContain(option);
    expect((await runCli(['help', 'flops'])).out).toContain('usage: d2pruner flops');
    expect((await runCli([])).code).toBe(2);
  });
});

describe('unknown and malformed options', () => {
  const file = join(VEC, 'grid6-7.safetensors');
  const cases: [string, string[], string][] = [
    ['an unknown option in batch mode', ['prune', '--batch', 'x.jsonl', '--bogus-flag', '3'], 'bogus-flag'],
    ['a method parameter in batch mode', ['prune', '--batch', 'x.jsonl', '--alpha', '0.5'], 'alpha'],
    ['a single-file option in batch mode', ['prune', '--batch', 'x.jsonl', '--keep', '5'], 'keep'],
    ['--concurrency without --batch', ['prune', file, '--keep', '5', '--concurrency', '2'], 'concurrency'],
    ['--workers without --batch', ['prune', file, '--keep', '5', '--workers', '2'], 'workers'],
    ['a negative --workers', ['prune', '--batch', join(VEC, 'cases-7.json'), '--workers', '-1'], 'workers'],
    ['another method’s parameter', ['prune', file, '--keep', '5', '--method', 'divprune', '--alpha', '0.5'], 'alpha'],
    ['a value missing', ['prune', file, '--keep'], 'keep'],
    ['a value given to a flag', ['prune', file, '--keep', '5', '--json=yes'], 'json'],
    ['an unknown short option', ['prune', file, '-k', '5'], 'k'],
    ['an unknown option of flops', ['flops', '--model', 'llava-1.5-7b', '--keep', '5', '--visual', '576', '--alpha', '1'], 'alpha'],
    ['a bad choice', ['flops', '--model', 'llava-1.5-7b', '--keep', '5', '--visual', '576', '--formula', 'magic'], 'formula'],
    ['a bad size', ['prune', file, '--keep', '5', '--grid', '6by6'], 'grid'],
    ['a stray positional', ['methods', 'extra'], 'arguments'],
  ];
  it.each(cases)('%s → exit 2 naming the option', async (_what, argv, field) => {
    const r = await runCli(argv);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`[INVALID_ARGUMENT] ${field}:`);
    expect(r.out).toBe('');
  });

  it('boolean parameters take --flag, --no-flag, --flag false; negative numbers are values', async () => {
    const run = async (extra: string[]) => runCli(['prune', join(VEC, 'llava-7.safetensors'), '--method', 'cdpruner', '--keep', '16', ...extra, '--json']);
    const off = await run(['--no-text']);
    const offWord = await run(['--text', 'false']);
    const offInline = await run(['--text=false']);
    expect(off.code, off.err).toBe(0);
    expect(JSON.parse(offWord.out).keep).toEqual(JSON.parse(off.out).keep);
    expect(JSON.parse(offInline.out).keep).toEqual(JSON.parse(off.out).keep);
    const negative = await runCli(['prune', file, '--keep', '-3']);
    expect(negative.err).toContain('[INVALID_INPUT] keep:');
  });
});
