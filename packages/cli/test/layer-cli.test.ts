import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gridLayout, layoutSignature, readSafetensors, writeSafetensors } from '@d2pruner/core';
import { testImagePng, writeTinyModel } from '@d2pruner-tools/tiny-model';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers.js';

const N = 576;
let dir: string;
let image: string;
let root: string;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'd2pruner-cli-layer-'));
  dir = join(root, 'tiny-llava');
  await writeTinyModel(dir, { seed: 4, layers: 3 });
  image = join(root, 'picture.png');
  writeFileSync(image, testImagePng(120, 90, 2));
});

const base = () => ['generate', '--model', dir, '--image', image, '--prompt', 'What is shown?', '--max-new-tokens', '5'];

describe('d2pruner split-decoder and generate --layer K', () => {
  it('split-decoder writes the pair where generate --layer looks; keep-all at K = 2 gives the unpruned tokens', async () => {
    const s = await runCli(['split-decoder', dir, '--layer', '2', '--json']);
    expect(s.err).toBe('');
    expect(s.code).toBe(0);
    const j = JSON.parse(s.out);
    expect(j.dir).toBe(join(dir, 'split-k2'));
    expect(j.config).toMatchObject({ layer: 2, layers: 3, partA: 'part_a.onnx', partB: 'part_b.onnx' });
    const full = JSON.parse((await runCli([...base(), '--no-prune', '--json'])).out);
    const all = await runCli([...base(), '--layer', '2', '--keep', String(N), '--json']);
    expect(all.code).toBe(0);
    const a = JSON.parse(all.out);
    expect(a.tokenIds).toEqual(full.tokenIds);
    expect(a.layer).toBe(2);
    expect(a.macs.partA).toMatchObject({ layers: [0, 2], tokens: full.prefillTokens });
    expect(a.macs.ratio).toBe(1);
    const pruned = JSON.parse((await runCli([...base(), '--layer', '2', '--keep', '64', '--json'])).out);
    expect(pruned.prefillTokens).toBe(full.prefillTokens - (N - 64));
    expect(pruned.macs.partB).toMatchObject({ layers: [2, 3], tokens: full.prefillTokens - (N - 64) });
    expect(pruned.macs.ratio).toBeGreaterThan(1);
  });

  it('--save-tokens writes the layer-(K−1) attention and H^(K−1) features; calibrate turns such files into a prior that --prior reads', async () => {
    await runCli(['split-decoder', dir, '--layer', '1', '--out', join(root, 'k1')]);
    const files: string[] = [];
    for (const prompt of ['What is shown?', 'Describe the colours.', 'Where is the square?']) {
      const f = join(root, `tokens-${files.length}.safetensors`);
      const r = await runCli(['generate', '--model', dir, '--image', image, '--prompt', prompt, '--max-new-tokens', '1', '--layer', '1', '--split', join(root, 'k1'), '--keep', '32', '--save-tokens', f]);
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/layers 0–0: \d+ tokens in [\d.]+ ms; layers 1–: \d+ tokens/);
      files.push(f);
    }
    const t = readSafetensors(new Uint8Array(readFileSync(files[0])));
    expect(t.get('attention')?.shape).toEqual([N]);
    expect(t.get('features')?.shape).toEqual([N, 64]);
    expect(t.get('keys')?.shape).toEqual([N, 64]);
    expect(t.metadata['d2pruner.layer']).toBe('1');
    const prior = join(root, 'prior.safetensors');
    const c = await runCli(['calibrate', ...files, '--out', prior, '--layer', '1']);
    expect(c.code).toBe(0);
    const p = readSafetensors(new Uint8Array(readFileSync(prior))).get('prior')!;
    const mean = Float32Array.from({ length: N }, (_, i) => files.reduce((acc, f) => acc + readSafetensors(new Uint8Array(readFileSync(f))).get('attention')!.data[i], 0) / files.length);
    p.data.forEach((v, i) => expect(v).toBeCloseTo(mean[i], 6));
    const withPrior = await runCli([...base(), '--layer', '1', '--split', join(root, 'k1'), '--keep', '32', '--prior', prior, '--json']);
    expect(withPrior.code).toBe(0);
    // the same values recorded as calibrated on a 16×36 layout are refused on the 24×24 image
    const foreign = join(root, 'prior-16x36.safetensors');
    writeFileSync(foreign, writeSafetensors({ prior: { shape: [N], data: p.data } }, { 'd2pruner.layoutSignature': layoutSignature(gridLayout(16, 36)) }));
    const refused = await runCli([...base(), '--layer', '1', '--split', join(root, 'k1'), '--keep', '32', '--prior', foreign, '--json']);
    expect(refused.code).toBe(2);
    expect(refused.err).toContain('[INVALID_INPUT] prior');
  });

  it('bad arguments exit 2 naming the field', async () => {
    const expectErr = async (argv: string[], text: string) => {
      const r = await runCli(argv);
      expect(r.code).toBe(2);
      expect(r.err).toContain(text);
    };
    await expectErr(['split-decoder', dir], 'layer');
    await expectErr(['split-decoder', dir, '--layer', '3'], '[INVALID_ARGUMENT] layer');
    await expectErr(['split-decoder', root, '--layer', '1'], '[INVALID_INPUT] model');
    await expectErr(['split-decoder', dir, '--layer', '1', '--bogus', 'x'], 'bogus');
    await expectErr([...base(), '--layer', '-1', '--keep', '8'], 'layer');
    await expectErr([...base(), '--split', root, '--keep', '8'], 'split');
    await expectErr([...base(), '--importance', 'attention', '--keep', '8'], 'importance');
    await expectErr(['generate', '--model', dir, '--image', image, '--prompt', 'x', '--layer', '2', '--split', join(root, 'nowhere'), '--keep', '8'], '[INVALID_INPUT] split');
  });
});
