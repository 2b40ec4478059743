import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDecimal } from '@d2pruner/core';
import { decimalNumber } from '../src/cli/decimal.js';
import { poolWorkersFromArgs } from '../src/early-pool.js';
import { ROOT, runCli } from './helpers.js';

const SAMPLE = join(ROOT, 'fixtures/samples/llava-sample.safetensors');

/** `d2pruner: error [INVALID_ARGUMENT] FIELD: …` and nothing else, on one line. */
const oneLine = (field: string) => new RegExp(`^d2pruner: error \\[INVALID_ARGUMENT\\] ${field}: [^\\n]*\\n$`);

describe('numeric flags take plain decimal text only', () => {
  it('hex, octal and binary literals, empty or space-padded text, Infinity and NaN: exit 2 naming the flag', async () => {
    const cases: [string[], string][] = [
      [['flops', '--model', 'llava-1.5-7b', '--visual', '576', '--keep', '0x40'], 'keep'],
      [['flops', '--model', 'llava-1.5-7b', '--keep', '8', '--visual', '0x10'], 'visual'],
      [['flops', '--model', 'llava-1.5-7b', '--keep', '8', '--visual', '0o1000'], 'visual'],
      [['flops', '--model', 'llava-1.5-7b', '--keep', '8', '--visual', '0b1000000000'], 'visual'],
      [['flops', '--model', 'llava-1.5-7b', '--visual', '576', '--keep', ' 5 '], 'keep'],
      [['flops', '--model', 'llava-1.5-7b', '--visual', '576', '--keep', ''], 'keep'],
      [['flops', '--model', 'llava-1.5-7b', '--visual', '576', '--keep', 'Infinity'], 'keep'],
      [['flops', '--model', 'llava-1.5-7b', '--visual', '576', '--keep', '1e999'], 'keep'],
      [['prune', SAMPLE, '--ratio', '0x1', '--json'], 'ratio'],
      [['prune', SAMPLE, '--keep', 'NaN', '--json'], 'keep'],
      [['prune', SAMPLE, '--keep', '8', '--alpha', '0x1', '--json'], 'alpha'],
      [['prune', SAMPLE, '--keep', '8', '--radius', ' 1', '--json'], 'radius'],
      [['eval', SAMPLE, '--methods', 'fastv', '--keep', '0x40'], 'keep'],
      [['eval', SAMPLE, '--methods', 'fastv', '--keep', '8,0x10'], 'keep'],
      [['eval', SAMPLE, '--methods', 'fastv', '--ratio', '0x1'], 'ratio'],
      [['eval', SAMPLE, '--methods', 'fastv', '--concurrency', '0x2'], 'concurrency'],
    ];
    for (const [argv, field] of cases) {
      const r = await runCli(argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.err, argv.join(' ')).toMatch(oneLine(field));
      expect(r.out, argv.join(' ')).toBe('');
    }
  });

  it('decimal forms still parse to their values: 64.0, +64, 6.4e1 keep 64 tokens; .5 is half', async () => {
    for (const keep of ['64.0', '+64', '6.4e1']) {
      const r = await runCli(['flops', '--model', 'llava-1.5-7b', '--visual', '576', '--keep', keep, '--json']);
      expect(r.code, keep).toBe(0);
      expect(JSON.parse(r.out), keep).toMatchObject({ visual: 576, keep: 64 });
    }
    const half = await runCli(['prune', SAMPLE, '--ratio', '.5', '--json']);
    expect(half.code, half.err).toBe(0);
    expect(JSON.parse(half.out).budget).toBe(288);
  });

  it('eval --param method.name=value names param and the parameter, not --alpha', async () => {
    for (const value of ['NaN', '0x1', '', ' 0.5']) {
      const r = await runCli(['eval', SAMPLE, '--methods', 'd2pruner', '--param', `d2pruner.alpha=${value}`]);
      expect(r.code, value).toBe(2);
      expect(r.err, value).toBe(`d2pruner: error [INVALID_ARGUMENT] param: --param d2pruner.alpha expects a decimal number, got '${value}'\n`);
    }
    const bool = await runCli(['eval', SAMPLE, '--methods', 'dart', '--param', 'dart.text=maybe']);
    expect(bool.err).toBe("d2pruner: error [INVALID_ARGUMENT] param: --param dart.text expects true or false, got 'maybe'\n");
  });

  it('eval --keep "" names keep (the flag given), not ratio', async () => {
    for (const keep of ['', '  ']) {
      const r = await runCli(['eval', SAMPLE, '--methods', 'fastv', '--keep', keep]);
      expect(r.code, `'${keep}'`).toBe(2);
      expect(r.err, `'${keep}'`).toBe(`d2pruner: error [INVALID_ARGUMENT] keep: keep needs at least one value (comma-separated), got '${keep}'\n`);
    }
    for (const keep of [',', ' , ', '4,,8']) {
      const r = await runCli(['eval', SAMPLE, '--methods', 'fastv', '--keep', keep]);
      expect(r.code, `'${keep}'`).toBe(2);
      expect(r.err, `'${keep}'`).toMatch(/^d2pruner: error \[INVALID_ARGUMENT\] keep: keep has an empty entry /);
    }
    const ratio = await runCli(['eval', SAMPLE, '--methods', 'fastv', '--ratio', '']);
    expect(ratio.err).toMatch(oneLine('ratio'));
  });

  it('the early pool reads numbers as core does (its own copy, loaded before core)', () => {
    const texts = ['4', '+4', '-4', '4.', '.5', '4.0e0', '1E3', '1e-3', '010', '0x4', '0o4', '0b1', '', ' 4', '4 ', 'Infinity', '-Infinity', 'NaN', '1e999', '4e', 'e4', '.', '+', '1_000', '４'];
    for (const t of texts) expect(decimalNumber(t), `'${t}'`).toBe(parseDecimal(t));
  });

  it('the early pool starts no workers for a --workers the command rejects (0x4, 4.0e0 is 4)', () => {
    expect(poolWorkersFromArgs(['calibrate', 'a.safetensors', '--workers', '0x4'])).toBe(0);
    expect(poolWorkersFromArgs(['eval', 'a.safetensors', '--workers', ' 4'])).toBe(0);
    expect(poolWorkersFromArgs(['eval', 'a.safetensors', '--workers', '4.0e0'])).toBe(4);
  });
});
