import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { D2PrunerError } from '@d2pruner/core';
import { IMAGE_TOKENS, crc32, resolveTinyModelConfig, runTinyModelCli, writeTinyModel } from '../src/index.js';

const tmp = mkdtempSync(join(tmpdir(), 'tiny-model-files-'));

const LAYOUT = [
  'config.json',
  'generation_config.json',
  'onnx/decoder_model_merged.onnx',
  'onnx/embed_tokens.onnx',
  'onnx/vision_encoder.onnx',
  'preprocessor_config.json',
  'processor_config.json',
  'special_tokens_map.json',
  'tokenizer.json',
  'tokenizer_config.json',
];

function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath ?? e.path, e.name).slice(dir.length + 1))
    .sort();
}

describe('writeTinyModel', () => {
  it('writes the transformers.js LLaVA layout with LLaVA-1.5 geometry', async () => {
    const dir = join(tmp, 'a');
    const s = await writeTinyModel(dir, { seed: 7, hidden: 32, layers: 1, heads: 2 });
    expect(listFiles(dir)).toEqual(LAYOUT);
    expect(Object.keys(s.files).sort()).toEqual(LAYOUT);
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    expect(config.model_type).toBe('llava');
    expect(config.text_config).toMatchObject({ hidden_size: 32, num_hidden_layers: 1, num_attention_heads: 2, num_key_value_heads: 2, head_dim: 16 });
    expect(config.vision_config).toMatchObject({ image_size: 336, patch_size: 14 });
    expect((336 / 14) ** 2).toBe(IMAGE_TOKENS);
    expect(config.image_token_index).toBe(s.imageTokenId);
    const proc = JSON.parse(readFileSync(join(dir, 'processor_config.json'), 'utf8'));
    expect(proc).toMatchObject({ processor_class: 'LlavaProcessor', image_token: '<image>', patch_size: 14, num_additional_image_tokens: 0 });
    const pre = JSON.parse(readFileSync(join(dir, 'preprocessor_config.json'), 'utf8'));
    expect(pre).toMatchObject({ crop_size: { height: 336, width: 336 }, size: { shortest_edge: 336 } });
  });

  it('is deterministic from the seed', async () => {
    const a = join(tmp, 's1');
    const b = join(tmp, 's1-again');
    const c = join(tmp, 's2');
    await writeTinyModel(a, { seed: 1 });
    await writeTinyModel(b, { seed: 1 });
    await writeTinyModel(c, { seed: 2 });
    for (const f of LAYOUT) expect(readFileSync(join(a, f)).equals(readFileSync(join(b, f))), f).toBe(true);
    for (const f of LAYOUT.filter((f) => f.endsWith('.onnx'))) expect(readFileSync(join(a, f)).equals(readFileSync(join(c, f))), f).toBe(false);
  });

  it('rejects sizes that do not split into heads, naming the option', () => {
    const err = (o: object) => {
      try {
        resolveTinyModelConfig(o);
      } catch (e) {
        return e as D2PrunerError;
      }
      throw new Error('no error');
    };
    expect(err({ hidden: 30, heads: 4 })).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'heads' });
    expect(err({ hidden: 36, heads: 4 })).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'heads' });
    expect(err({ layers: 0 })).toMatchObject({ code: 'INVALID_INPUT', field: 'layers' });
    expect(err({ visionHidden: 30, visionHeads: 4 })).toMatchObject({ field: 'visionHeads' });
    expect(resolveTinyModelConfig({ hidden: 128 })).toMatchObject({ hidden: 128, intermediate: 384, heads: 4, seed: 0 });
  });
});

describe('tiny-model command', () => {
  it('writes a model and prints a JSON summary', async () => {
    let out = '';
    const code = await runTinyModelCli([join(tmp, 'cli'), '--seed', '5', '--hidden=48', '--heads', '3', '--json'], (t) => (out += t));
    expect(code).toBe(0);
    const s = JSON.parse(out);
    expect(s.config).toMatchObject({ seed: 5, hidden: 48, heads: 3 });
    expect(listFiles(join(tmp, 'cli'))).toEqual(LAYOUT);
  });
  it('--split K writes the split pair next to the merged decoder', async () => {
    let out = '';
    expect(await runTinyModelCli([join(tmp, 'cli-split'), '--layers', '3', '--split', '1,2', '--json'], (t) => (out += t))).toBe(0);
    expect(JSON.parse(out).splits).toEqual({ 1: 'split-k1', 2: 'split-k2' });
    const split = (k: number) => ['part_a.onnx', 'part_b.onnx', 'split.json'].map((f) => `split-k${k}/${f}`);
    expect(listFiles(join(tmp, 'cli-split'))).toEqual([...LAYOUT, ...split(1), ...split(2)].sort());
    let err = '';
    expect(await runTinyModelCli([join(tmp, 'x'), '--split', 'two'], () => undefined, (t) => (err += t))).toBe(2);
    expect(err).toContain('[INVALID_ARGUMENT] split:');
    err = '';
    expect(await runTinyModelCli([join(tmp, 'x'), '--layers', '2', '--split', '2'], () => undefined, (t) => (err += t))).toBe(2);
    expect(err).toContain('[INVALID_ARGUMENT] splitLayers:');
  });
  it('bad arguments exit 2 with the field', async () => {
    let err = '';
    expect(await runTinyModelCli([join(tmp, 'x'), '--bogus', '1'], () => undefined, (t) => (err += t))).toBe(2);
    expect(err).toContain('[INVALID_ARGUMENT] bogus:');
    err = '';
    expect(await runTinyModelCli([join(tmp, 'x'), '--hidden', 'big'], () => undefined, (t) => (err += t))).toBe(2);
    expect(err).toContain('[INVALID_ARGUMENT] hidden:');
    expect(await runTinyModelCli(['--seed', '1'], () => undefined, () => undefined)).toBe(2);
  });
});

describe('png', () => {
  it('crc32 check value', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });
});
