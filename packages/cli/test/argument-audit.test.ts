import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InvalidInputError, writeSafetensors } from '@d2pruner/core';
import { generateFlagError } from '../src/generate-args.js';
import { MAX_CONCURRENCY } from '../src/concurrency-limit.js';
import { ROOT, runCli } from './helpers.js';

const SAMPLE = join(ROOT, 'fixtures/samples/llava-sample.safetensors');
const tmp = mkdtempSync(join(tmpdir(), 'd2pruner-argument-audit-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const MISSING = join(tmp, 'missing.safetensors');

/** The one stderr line of a refused command line: exit 2 and `error [CODE] field: …`. */
async function refused(argv: string[]): Promise<{ code: number; field: string; err: string }> {
  const r = await runCli(argv);
  return { code: r.code, field: /^d2pruner: error \[[A-Z_]+\] ([^:]+):/m.exec(r.err)?.[1] ?? r.err, err: r.err };
}

describe('an option given twice is an error naming it, never last-wins', () => {
  for (const [argv, field] of [
    [['prune', SAMPLE, '--keep', '64', '--keep', '32'], 'keep'],
    [['prune', SAMPLE, '--keep', '8', '--json', '--no-json'], 'json'],
    [['prune', SAMPLE, '--keep', '8', '--json=true', '--json'], 'json'],
    [['prune', SAMPLE, '--keep', '8', '--alpha', '1', '--alpha=0.5'], 'alpha'],
    [['scenes', join(tmp, 'scenes'), '--count', '1', '--count', '2'], 'count'],
    [['eval', SAMPLE, '--methods', 'fastv', '--methods', 'dart'], 'methods'],
  ] as const) {
    it(argv.slice(2).join(' '), async () => {
      const r = await refused([...argv]);
      expect([r.code, r.field], r.err).toEqual([2, field]);
      expect(r.err).toBe(`d2pruner: error [INVALID_ARGUMENT] ${field}: --${field} is given more than once; give it once\n`);
    });
  }

  it('an option declared to repeat (eval --param) still repeats', async () => {
    const r = await runCli(['eval', MISSING, '--param', 'd2pruner.alpha=1', '--param', 'd2pruner.theta=0.5', '--json']);
    // the arguments are taken: the run goes on to the (missing) file, and exits 2 only because nothing could run on it
    expect(r.err).not.toMatch(/INVALID_ARGUMENT/);
    expect(r.err).toMatch(/eval: no method ran on any of the 1 file\(s\)/);
    expect(r.code, r.err).toBe(2);
  });
});

describe('prune --max-tiles without --model --image', () => {
  it('is refused naming max-tiles instead of being ignored', async () => {
    const r = await refused(['prune', SAMPLE, '--keep', '8', '--max-tiles', '3']);
    expect([r.code, r.field]).toEqual([2, 'max-tiles']);
  });
});

describe('method parameter values are range-checked before any input is read, naming the flag typed', () => {
  for (const [flag, value, message] of [
    ['pivot-ratio', '2', '--pivot-ratio must be ≤ 1, got 2'],
    ['radius', '1.5', '--radius must be an integer, got 1.5'],
    ['fallback', 'nope', '--fallback must be one of rounds, importance, got "nope"'],
  ] as const) {
    it(`--${flag} ${value} (prune and render, on a file that does not exist)`, async () => {
      for (const argv of [
        ['prune', MISSING, '--keep', '8', `--${flag}`, value],
        ['render', MISSING, '--keep', '8', '--out', join(tmp, 'o.png'), `--${flag}`, value],
      ]) {
        const r = await runCli(argv);
        expect(r.code, r.err).toBe(2);
        expect(r.err).toBe(`d2pruner: error [INVALID_INPUT] ${flag}: ${message}\n`);
      }
    });
  }
});

describe('--concurrency has an upper bound, checked before the batch is read', () => {
  it(`prune --batch and eval refuse more than ${MAX_CONCURRENCY} in flight`, async () => {
    const batch = join(tmp, 'empty.jsonl');
    writeFileSync(batch, '');
    for (const workers of ['0', '1']) {
      const r = await refused(['prune', '--batch', batch, '--workers', workers, '--concurrency', String(MAX_CONCURRENCY + 1)]);
      expect([r.code, r.field], r.err).toEqual([2, 'concurrency']);
      expect((await runCli(['prune', '--batch', batch, '--workers', workers, '--concurrency', String(MAX_CONCURRENCY)])).code).toBe(0);
    }
    const e = await refused(['eval', MISSING, '--concurrency', '1e9']);
    expect([e.code, e.field], e.err).toEqual([2, 'concurrency']);
  });
});

describe('calibrate --layer without --model', () => {
  const recorded = (name: string, model?: string) => {
    const f = join(tmp, name);
    writeFileSync(f, writeSafetensors({ attention: { shape: [4], data: Float32Array.from([1, 2, 3, 4]) } }, model ? { 'd2pruner.model': model } : {}));
    return f;
  };

  it("is range-checked against the model the inputs record, before the prior is written", async () => {
    const out = join(tmp, 'p-layer.safetensors');
    const r = await runCli(['calibrate', recorded('a-7b.safetensors', 'LLaVA-v1.5-7B'), '--out', out, '--layer', '99', '--workers', '0']);
    expect(r.code, r.err).toBe(2);
    expect(r.err).toContain('d2pruner: error [INVALID_ARGUMENT] layer: --layer must be in [0, 32] for llava-1.5-7b, the model the inputs record');
    expect(existsSync(out)).toBe(false);
    expect((await runCli(['calibrate', recorded('b-7b.safetensors', 'llava-1.5-7b'), '--out', out, '--layer', '32', '--workers', '0'])).code).toBe(0);
  });

  it('stays unchecked beyond an integer ≥ 0 when no adapter knows the recorded model', async () => {
    const out = join(tmp, 'p-unknown.safetensors');
    const r = await runCli(['calibrate', recorded('c-none.safetensors'), recorded('d-custom.safetensors', 'my-model'), '--out', out, '--layer', '99', '--workers', '0']);
    expect(r.code, r.err).toBe(0);
  });
});

describe('generate: arguments checked before the model loads, errors naming the flags', () => {
  const base = ['generate', '--model', join(tmp, 'no-model'), '--image', join(tmp, 'no.png'), '--prompt', 'hi', '--keep', '8'];

  it('--max-new-tokens must be an integer ≥ 1', async () => {
    for (const v of ['0', '-1', '1.5']) {
      const r = await refused([...base, '--max-new-tokens', v]);
      expect([r.code, r.field], r.err).toEqual([2, 'max-new-tokens']);
    }
  });

  it('--dtype takes only the weight types transformers.js knows (it silently loads its default for others)', async () => {
    const r = await refused([...base, '--dtype', 'nope']);
    expect([r.code, r.field], r.err).toEqual([2, 'dtype']);
  });

  it("maps the model's position limit to max-new-tokens and an unsupported device to device", () => {
    const limit = generateFlagError(new InvalidInputError('maxNewTokens', 'use maxNewTokens ≤ 3499'));
    expect(limit).toMatchObject({ code: 'INVALID_INPUT', field: 'max-new-tokens', message: 'use --max-new-tokens ≤ 3499' });
    const device = generateFlagError(new Error('Unsupported device: "nope". Should be one of: cuda, webgpu, cpu.'));
    expect(device).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'device' });
    const other = new Error('boom');
    expect(generateFlagError(other)).toBe(other);
  });
});
