import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readSafetensors, writeSafetensors } from '@d2pruner/core';
import { runCli } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'd2pruner-calibrate-model-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A 2×2 input (square: no layout needed) with these four attention values and, when given, a recorded model. */
function scene(name: string, attention: number[], model?: string): string {
  const f = join(tmp, name);
  writeFileSync(f, writeSafetensors({ attention: { shape: [4], data: Float32Array.from(attention) } }, model ? { 'd2pruner.model': model } : {}));
  return f;
}

function readPrior(path: string): { prior: number[]; metadata: Record<string, string> } {
  const file = readSafetensors(new Uint8Array(readFileSync(path)));
  return { prior: Array.from(file.get('prior')!.data), metadata: file.metadata };
}

const A = scene('a-7b.safetensors', [1, 2, 3, 4], 'llava-1.5-7b');
const B = scene('b-13b.safetensors', [5, 6, 7, 8], 'llava-1.5-13b');
const C = scene('c-7b-alias.safetensors', [3, 3, 3, 3], 'LLaVA-v1.5-7B');
const D = scene('d-no-model.safetensors', [2, 2, 2, 2]);

describe('calibrate averages inputs of one model (docs/algorithm.md §6: a prior is keyed by model, layer and layout)', () => {
  for (const workers of ['0', '1']) {
    it(`an input recorded with another model is skipped and reported, not averaged in (--workers ${workers})`, async () => {
      const out = join(tmp, `p-mixed-${workers}.safetensors`);
      const r = await runCli(['calibrate', A, B, C, D, '--out', out, '--workers', workers]);
      expect(r.code, r.err).toBe(0);
      expect(r.err).toContain(`calibrate: skipped ${B}: [INVALID_INPUT] model: `);
      expect(r.err).toContain('averaged 3 inputs (1 skipped)');
      const { prior, metadata } = readPrior(out);
      // by hand: (A + C + D) / 3 = ([1,2,3,4] + [3,3,3,3] + [2,2,2,2]) / 3; C names llava-1.5-7b by an alias, D names no model
      expect(prior).toEqual([2, 7 / 3, 8 / 3, 3].map(Math.fround));
      expect(metadata['d2pruner.model']).toBe('llava-1.5-7b');
      expect(metadata['d2pruner.samples']).toBe('3');
    });
  }

  it('with --model, inputs of other models are skipped, inputs with none are kept', async () => {
    const out = join(tmp, 'p-13b.safetensors');
    const r = await runCli(['calibrate', A, B, C, D, '--out', out, '--model', 'llava-1.5-13b', '--workers', '0']);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toContain('averaged 2 inputs (2 skipped)');
    // by hand: (B + D) / 2 = ([5,6,7,8] + [2,2,2,2]) / 2
    expect(readPrior(out)).toMatchObject({ prior: [3.5, 4, 4.5, 5], metadata: { 'd2pruner.model': 'llava-1.5-13b', 'd2pruner.samples': '2' } });
  });

  it('every input of another model than --model: exit 2 naming the reason, no prior written', async () => {
    const out = join(tmp, 'p-none.safetensors');
    const r = await runCli(['calibrate', A, C, '--out', out, '--model', 'internvl-2.5-8b', '--workers', '0']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/d2pruner: error \[INVALID_INPUT\] input: no input could be averaged: all 2 were skipped .*\[INVALID_INPUT\] model: /);
    expect(() => readFileSync(out)).toThrow();
  });

  it('--model is recorded as the adapter id, not the alias or case typed (docs/formats.md §1)', async () => {
    const out = join(tmp, 'p-alias.safetensors');
    const r = await runCli(['calibrate', D, '--out', out, '--model', 'LLaVA-v1.5-7B', '--layer', '2', '--workers', '0']);
    expect(r.code, r.err).toBe(0);
    expect(readPrior(out).metadata).toMatchObject({ 'd2pruner.model': 'llava-1.5-7b', 'd2pruner.layer': '2', 'd2pruner.samples': '1' });
  });
});
