import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateWithPruning, loadLocalLlava, type LoadedLlava } from '../src/index.js';
import { tinyModelFixture } from './helpers.js';

const PROMPT = 'USER: <image>\nWhat is in the picture? ASSISTANT:';
let loaded: LoadedLlava;
let image: string;

beforeAll(async () => {
  const fx = await tinyModelFixture({ seed: 0, layers: 4 }, [2]);
  // a generation config with logits processors: transformers.js' generate applies them
  const path = join(fx.dir, 'generation_config.json');
  writeFileSync(path, JSON.stringify({ ...JSON.parse(readFileSync(path, 'utf8')), repetition_penalty: 3, no_repeat_ngram_size: 1 }));
  loaded = await loadLocalLlava(fx.dir);
  image = fx.image;
});

describe("layer K generation applies the model's generation_config like transformers.js' generate", () => {
  it('with repetition_penalty / no_repeat_ngram_size, the split pair unpruned and keep-all give the merged decoder\'s tokens', async () => {
    const T = 24;
    const base = await generateWithPruning(loaded, { image, prompt: PROMPT, maxNewTokens: T, pruning: false });
    expect(base.tokenIds).toHaveLength(T);
    expect(new Set(base.tokenIds).size).toBe(T); // no_repeat_ngram_size 1: no token twice
    const off = await generateWithPruning(loaded, { image, prompt: PROMPT, maxNewTokens: T, pruning: { layer: 2, enabled: false } });
    expect(off.tokenIds).toEqual(base.tokenIds);
    const all = await generateWithPruning(loaded, { image, prompt: PROMPT, maxNewTokens: T, pruning: { layer: 2, keep: 576 } });
    expect(all.tokenIds).toEqual(base.tokenIds);
    const pruned = await generateWithPruning(loaded, { image, prompt: PROMPT, maxNewTokens: T, pruning: { layer: 2, keep: 32 } });
    expect(new Set(pruned.tokenIds).size).toBe(T);
  });
});
