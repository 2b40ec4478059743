import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeSafetensors } from '@d2pruner/core';
import { runCli } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'd2pruner-cli-adapters-'));

describe('d2pruner flops', () => {
  it('reproduces docs/cost-model.md (FastV formula) as JSON', async () => {
    const llava = JSON.parse((await runCli(['flops', '--model', 'llava-1.5-7b', '--keep', '64', '--visual', '576', '--layer', '2', '--text', '75', '--json'])).out);
    expect(llava).toMatchObject({ model: 'llava-1.5-7b', visual: 576, keep: 64, layer: 2, text: 75 });
    expect(llava.reduction).toBeCloseTo(0.742, 3);
    const k0 = JSON.parse((await runCli(['flops', '--model', 'internvl-2.5-8b', '--keep', '179', '--visual', '1792', '--layer', '0', '--text', '70', '--json'])).out);
    expect(k0.reduction).toBeCloseTo(0.875, 3);
    const k2 = JSON.parse((await runCli(['flops', '--model', 'internvl-2.5-8b', '--keep', '179', '--image', '640x480', '--max-tiles', '6', '--layer', '2', '--text', '70', '--json'])).out);
    expect(k2.visual).toBe(1792);
    expect(k2.reduction).toBeCloseTo(0.82, 3);
    expect(k2.full.macs).toBeGreaterThan(k2.pruned.macs);
  });
  it('unknown model → exit 2 naming the --model flag; a --max-tiles out of range names --max-tiles', async () => {
    const r = await runCli(['flops', '--model', 'gpt-9', '--keep', '1', '--visual', '5']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^d2pruner: error \[UNKNOWN_NAME\] model: unknown adapter 'gpt-9'/);
    for (const argv of [
      ['flops', '--model', 'internvl-2.5-8b', '--keep', '64', '--image', '640x480', '--max-tiles', '1000'],
      ['layout', '--model', 'internvl-2.5-8b', '--image', '640x480', '--max-tiles', '1000'],
    ]) {
      const t = await runCli(argv);
      expect(t.code).toBe(2);
      expect(t.err).toBe('d2pruner: error [INVALID_INPUT] max-tiles: --max-tiles must be ≤ 64, got 1000\n');
    }
    const l = await runCli(['layout', '--model', 'nope', '--image', '640x480']);
    expect(l.err).toMatch(/^d2pruner: error \[UNKNOWN_NAME\] model: /);
  });
  it('--max-tiles without --image is refused naming --max-tiles, never silently ignored', async () => {
    for (const tiles of ['0', '65', '6']) {
      const r = await runCli(['flops', '--model', 'internvl-2.5-8b', '--keep', '64', '--visual', '576', '--max-tiles', tiles, '--json']);
      expect(r.code).toBe(2);
      expect(r.out).toBe('');
      expect(r.err).toMatch(/^d2pruner: error \[INVALID_ARGUMENT\] max-tiles: [^\n]*--image[^\n]*\n$/);
    }
    const llava = await runCli(['flops', '--model', 'llava-1.5-7b', '--keep', '64', '--visual', '576', '--max-tiles', '6']);
    expect([llava.code, llava.err.split(':')[1]]).toEqual([2, ' error [INVALID_ARGUMENT] max-tiles']);
  });
});

describe('d2pruner layout', () => {
  it('token counts of the worked examples', async () => {
    const count = async (model: string, image: string, extra: string[] = []) =>
      JSON.parse((await runCli(['layout', '--model', model, '--image', image, ...extra, '--json'])).out) as { tokens: number; candidates: number; frame: number[] };
    expect((await count('llava-next-7b', '640x480')).tokens).toBe(2340);
    expect((await count('llava-next-7b', '1024x1024')).tokens).toBe(2928);
    expect((await count('internvl-2.5-8b', '640x480')).tokens).toBe(3328);
    expect((await count('internvl-2.5-8b', '640x480', ['--max-tiles', '6'])).tokens).toBe(1792);
    const l = await count('llava-1.5-7b', '640x480');
    expect([l.tokens, l.candidates, l.frame.length]).toEqual([576, 576, 576]);
  });
  it('bad image size → exit 2 naming the field', async () => {
    const r = await runCli(['layout', '--model', 'llava-1.5-7b', '--image', '640by480']);
    expect(r.code).toBe(2);
    expect(r.err).toContain(' image:');
  });
  it('an image side too long to hold exactly → exit 2 naming --image (not rounded, not image.width)', async () => {
    for (const [cmd, image] of [
      ['layout', '99999999999999999999x1'],
      ['layout', `1${'0'.repeat(400)}x480`],
      ['flops', '640x9007199254740993'],
    ]) {
      const r = await runCli([cmd, '--model', 'internvl-2.5-8b', '--image', image, ...(cmd === 'flops' ? ['--keep', '1'] : []), '--json']);
      expect(r.code).toBe(2);
      expect(r.out).toBe('');
      expect(r.err).toMatch(/^d2pruner: error \[INVALID_ARGUMENT\] image: [^\n]*\n$/);
    }
  });
});

describe('d2pruner prune --model --image', () => {
  const n = 2340;
  const d = 4;
  const file = join(tmp, 'next.safetensors');
  writeFileSync(
    file,
    writeSafetensors({
      features: { shape: [n, d], data: Float32Array.from({ length: n * d }, (_, i) => Math.sin(i * 0.37)) },
      attention: { shape: [n], data: Float32Array.from({ length: n }, (_, i) => ((i * 7919) % 1000) / 1000) },
    }),
  );
  it('builds the layout from the adapter when the file has none, pruning only candidates', async () => {
    const r = await runCli(['prune', file, '--model', 'llava-next-7b', '--image', '640x480', '--keep', '100', '--alpha', '0.5', '--json']);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.out);
    expect(s.keep.length).toBe(100);
    const layout = JSON.parse((await runCli(['layout', '--model', 'llava-next-7b', '--image', '640x480', '--json'])).out);
    expect(layout.candidates).toBe(2304);
    // the 36 newline tokens are structural: never selected as candidates
    const structural = new Set<number>();
    // base view 576 tokens, then each of the 36 high-res rows is 48 tokens + 1 newline
    for (let r2 = 0; r2 < 36; r2++) structural.add(576 + r2 * 49 + 48);
    expect(s.keep.some((k: number) => structural.has(k))).toBe(false);
    expect(s.keep.every((k: number) => k >= 0 && k < n)).toBe(true);
  });
  it('a file whose N fits neither count is a shape error on layout', async () => {
    const r = await runCli(['prune', file, '--model', 'llava-1.5-7b', '--image', '640x480', '--keep', '10']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('[SHAPE_MISMATCH] layout:');
  });
});
