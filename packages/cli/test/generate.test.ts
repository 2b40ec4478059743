import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeSafetensors } from '@d2pruner/core';
import { testImagePng, writeTinyModel } from '@d2pruner-tools/tiny-model';
import { runCli } from './helpers.js';

const N = 576;
let dir: string;
let image: string;
let root: string;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'd2pruner-cli-generate-'));
  dir = join(root, 'tiny-llava');
  await writeTinyModel(dir, { seed: 9 });
  image = join(root, 'picture.png');
  writeFileSync(image, testImagePng(120, 90, 2));
});

const base = () => ['generate', '--model', dir, '--image', image, '--prompt', 'What is shown?', '--max-new-tokens', '4'];

describe('d2pruner generate', () => {
  it('--json: visual tokens before/after, prefill tokens and time, text, token ids', async () => {
    const r = await runCli([...base(), '--method', 'd2pruner', '--keep', '64', '--json']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(Object.keys(j)).toEqual(['visualTokens', 'prefillTokens', 'prefillMs', 'pruneMs', 'text', 'tokenIds', 'layer', 'macs']);
    expect(j.layer).toBe(0);
    expect(j.visualTokens).toEqual({ before: N, after: 64 });
    expect(j.prefillMs).toBeGreaterThan(0);
    expect(j.pruneMs).toBeGreaterThan(0);
    expect(j.tokenIds).toHaveLength(4);
    expect(typeof j.text).toBe('string');
    // "USER: <image>\nWhat is shown? ASSISTANT:" with <s>: 1 + 6 + 576 + 27 tokens, 512 visual ones dropped
    expect(j.prefillTokens).toBe(1 + 'USER: '.length + N + '\nWhat is shown? ASSISTANT:'.length - (N - 64));
  });

  it('--no-prune runs every visual token; keeping all gives the same tokens', async () => {
    const full = JSON.parse((await runCli([...base(), '--no-prune', '--json'])).out);
    expect(full.visualTokens).toEqual({ before: N, after: N });
    expect(full.pruneMs).toBe(0);
    const all = JSON.parse((await runCli([...base(), '--keep', String(N), '--json'])).out);
    expect(all.tokenIds).toEqual(full.tokenIds);
    expect(all.prefillTokens).toBe(full.prefillTokens);
  });

  it('human output and method parameters', async () => {
    const r = await runCli([...base(), '--ratio', '0.25', '--alpha', '0.5', '--layout', 'grid', '--dtype', 'fp32']);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`visual tokens ${N} → 144 (d2pruner, importance relevance)`);
    expect(r.out).toMatch(/prefill \d+ tokens in [\d.]+ ms, pruning [\d.]+ ms/);
  });

  it('bad arguments exit 2 naming the field', async () => {
    const expectErr = async (argv: string[], text: string) => {
      const r = await runCli(argv);
      expect(r.code).toBe(2);
      expect(r.err).toContain(text);
    };
    await expectErr(['generate', '--image', image, '--prompt', 'x', '--keep', '4'], '[INVALID_ARGUMENT] model:');
    await expectErr(['generate', '--model', dir, '--prompt', 'x', '--keep', '4'], '[INVALID_ARGUMENT] image:');
    await expectErr(['generate', '--model', dir, '--image', image, '--keep', '4'], '[INVALID_ARGUMENT] prompt:');
    await expectErr([...base()], '[INVALID_ARGUMENT] keep:');
    await expectErr([...base(), '--no-prune', '--keep', '4'], '[INVALID_ARGUMENT] no-prune:');
    await expectErr([...base(), '--keep', '4', '--method', 'nope'], '[UNKNOWN_NAME] method:');
    await expectErr([...base(), '--keep', '4', '--bogus', '1'], '[INVALID_ARGUMENT] bogus:');
    await expectErr([...base(), '--keep', '4', '--importance', 'x'], '[INVALID_ARGUMENT] importance:');
    await expectErr([...base(), '--keep', '4', '--layout', 'rows'], '[INVALID_ARGUMENT] layout:');
    await expectErr(['generate', '--model', dir, '--image', join(root, 'missing.png'), '--prompt', 'x', '--keep', '4'], '[INVALID_INPUT] image:');
    await expectErr(['generate', '--model', join(root, 'nope'), '--image', image, '--prompt', 'x', '--keep', '4'], '[INVALID_INPUT] model:');
  });

  it('--prior of another model or layer is refused naming prior; the same model (an alias) and layer runs (docs/algorithm.md §6)', async () => {
    const prior = (name: string, metadata: Record<string, string>) => {
      const f = join(root, name);
      writeFileSync(f, writeSafetensors({ prior: { shape: [N], data: new Float32Array(N).fill(1) } }, metadata));
      return f;
    };
    const otherModel = await runCli([...base(), '--keep', '64', '--prior', prior('p-13b.safetensors', { 'd2pruner.model': 'llava-1.5-13b', 'd2pruner.layer': '0' })]);
    expect(otherModel.code).toBe(2);
    expect(otherModel.err).toMatch(/\[INVALID_INPUT\] prior: [^\n]*model/);
    const otherLayer = await runCli([...base(), '--keep', '64', '--prior', prior('p-l2.safetensors', { 'd2pruner.model': 'llava-1.5-7b', 'd2pruner.layer': '2' })]);
    expect(otherLayer.code).toBe(2);
    expect(otherLayer.err).toMatch(/\[INVALID_INPUT\] prior: [^\n]*layer/);
    const same = await runCli([...base(), '--keep', '64', '--json', '--prior', prior('p-7b.safetensors', { 'd2pruner.model': 'LLaVA-v1.5-7B', 'd2pruner.layer': '0' })]);
    expect(same.code, same.err).toBe(0);
    expect(JSON.parse(same.out).visualTokens).toEqual({ before: N, after: 64 });
  });

  it('a model directory that is not LLaVA-family is a clear typed error', async () => {
    const other = join(root, 'bert');
    await import('node:fs/promises').then((fs) => fs.mkdir(other, { recursive: true }));
    writeFileSync(join(other, 'config.json'), JSON.stringify({ model_type: 'bert' }));
    const r = await runCli(['generate', '--model', other, '--image', image, '--prompt', 'x', '--keep', '4']);
    expect(r.code).toBe(2);
    expect(r.err).toContain("[INVALID_ARGUMENT] model: ");
    expect(r.err).toContain("'bert'");
  });

  it('is listed in the usage', async () => {
    expect((await runCli(['--help'])).out).toContain('generate --model DIR --image IMG --prompt TEXT');
  });
});
