import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeSafetensors } from '@d2pruner/core';
import { runCli } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'd2pruner-calibrate-args-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A 2×2 input: four attention values. */
function scene(name: string): string {
  const f = join(tmp, name);
  writeFileSync(f, writeSafetensors({ attention: { shape: [4], data: Float32Array.from([1, 2, 3, 4]) } }));
  return f;
}

describe('calibrate checks what it records in the prior', () => {
  it('an unknown --model is UNKNOWN_NAME naming model, as prune --model', async () => {
    const out = join(tmp, 'p-model.safetensors');
    const r = await runCli(['calibrate', scene('a.safetensors'), '--out', out, '--model', 'nope', '--workers', '0']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^d2pruner: error \[UNKNOWN_NAME\] model: unknown adapter 'nope'/);
    expect(existsSync(out)).toBe(false);
  });

  it('--layer must be an integer ≥ 0, and at most the model’s 32 layers for llava-1.5-7b (as flops)', async () => {
    const file = scene('b.safetensors');
    const out = join(tmp, 'p-layer.safetensors');
    for (const extra of [['--layer=-1.5'], ['--layer', '1e300'], ['--layer=-1'], ['--layer', '0.5'], ['--layer', '33', '--model', 'llava-1.5-7b']]) {
      const r = await runCli(['calibrate', file, '--out', out, '--workers', '0', ...extra]);
      expect(r.code, extra.join(' ')).toBe(2);
      expect(r.err, extra.join(' ')).toMatch(/^d2pruner: error \[INVALID_ARGUMENT\] layer: /);
      expect(existsSync(out), extra.join(' ')).toBe(false);
    }
    for (const extra of [['--layer', '32', '--model', 'llava-1.5-7b'], ['--layer', '0'], ['--layer', '40']]) {
      const r = await runCli(['calibrate', file, '--out', out, '--workers', '0', ...extra]);
      expect(r.code, `${extra.join(' ')}: ${r.err}`).toBe(0);
    }
  });

  it('inputs with zero tokens are refused, naming the input, and no prior is written', async () => {
    const empty = join(tmp, 'empty.safetensors');
    writeFileSync(empty, writeSafetensors({ features: { shape: [0, 4], data: new Float32Array(0) }, attention: { shape: [0], data: new Float32Array(0) } }));
    const out = join(tmp, 'p-empty.safetensors');
    const r = await runCli(['calibrate', empty, '--out', out, '--workers', '0']);
    expect(r.code).toBe(2);
    // the calibration pipeline skips such inputs; with nothing averaged its error names the file
    expect(r.err).toContain('error [INVALID_INPUT]');
    expect(r.err).toContain(empty);
    expect(existsSync(out)).toBe(false);
  });
});
