import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateWithPruning, loadLocalLlava, loadSplitDecoder, sessionFactoryOf, type GenerateOptions, type LoadedLlava, type SessionFactory } from '../src/index.js';
import { caught, tinyModelFixture } from './helpers.js';

const PROMPT = 'USER: <image>\nWhat is in the picture? ASSISTANT:';
let loaded: LoadedLlava;
let image: string;
let root: string;
let dir: string;

beforeAll(async () => {
  const fx = await tinyModelFixture({ seed: 3, layers: 4 }, [2]);
  ({ image, root, dir } = fx);
  loaded = await loadLocalLlava(fx.dir);
});

describe('generateWithPruning: malformed options are typed errors naming the field', () => {
  it('options, pruning, image, onToken and splitDecoder of the wrong kind', async () => {
    const call = (o: unknown) => caught(() => generateWithPruning(loaded, o as GenerateOptions));
    expect(await call(null)).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'options' });
    expect(await call({ image, prompt: 'x' })).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'pruning' });
    expect(await call({ image, prompt: 'x', pruning: null })).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'pruning' });
    expect(await call({ image, prompt: 'x', pruning: { layer: 2, keep: 8, ratio: 0.5 } })).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'keep' });
    expect(await call({ image: 5, prompt: 'x', pruning: false })).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'image' });
    expect(await call({ image: null, prompt: 'x', pruning: false })).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'image' });
    expect(await call({ image, prompt: 'x', maxNewTokens: 1, pruning: { layer: 2, keep: 8 }, onToken: 5 })).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'onToken' });
    expect(await call({ image, prompt: 'x', maxNewTokens: 1, pruning: { keep: 8 }, onToken: 'print' })).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'onToken' });
    expect(await call({ image, prompt: 'x', maxNewTokens: 1, pruning: { layer: 2, keep: 8 }, splitDecoder: {} })).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'splitDecoder' });
    expect(Object.prototype.hasOwnProperty.call(loaded.model, 'forward')).toBe(false);
  });

  it('more image placeholders in the prompt than images is SHAPE_MISMATCH prompt, at K = 0 and K = 2', async () => {
    for (const pruning of [false, { keep: 8 }, { layer: 2, keep: 8 }] as const) {
      const e = await caught(() => generateWithPruning(loaded, { image, prompt: 'USER: <image> and <image>? ASSISTANT:', maxNewTokens: 1, pruning }));
      expect(e).toMatchObject({ code: 'SHAPE_MISMATCH', field: 'prompt' });
    }
    expect(Object.prototype.hasOwnProperty.call(loaded.model, 'forward')).toBe(false);
  });

  it('a generation past max_position_embeddings is refused before any inference (INVALID_ARGUMENT maxNewTokens)', async () => {
    const session = loaded.model.sessions.vision_encoder as unknown as { run: (...a: unknown[]) => unknown };
    const run = session.run;
    let runs = 0;
    session.run = (...a: unknown[]) => (runs++, run.apply(session, a));
    try {
      for (const pruning of [false, { keep: 8 }, { layer: 2, keep: 8 }] as const) {
        const e = await caught(() => generateWithPruning(loaded, { image, prompt: PROMPT, maxNewTokens: 1e12, pruning }));
        expect(e).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'maxNewTokens' });
        expect(e.message).toContain('4096');
      }
      expect(runs).toBe(0);
    } finally {
      session.run = run;
    }
    const ok = await generateWithPruning(loaded, { image, prompt: PROMPT, maxNewTokens: 2, pruning: { layer: 2, keep: 8 } });
    expect(ok.tokenIds).toHaveLength(2);
  });
});

describe('loadSplitDecoder: failures release the sessions already created and are typed', () => {
  /** The real session class, counting live sessions. */
  function counting(): { factory: SessionFactory; live: () => number } {
    const base = sessionFactoryOf(loaded.model.sessions.decoder_model_merged);
    let live = 0;
    const factory: SessionFactory = {
      async create(path, options) {
        const s = await base.create(path, options);
        live++;
        const release = s.release?.bind(s);
        s.release = async () => {
          live--;
          await release?.();
        };
        return s;
      },
    };
    return { factory, live: () => live };
  }
  function variant(name: string, edit: (d: string) => void): string {
    const d = join(root, name);
    mkdirSync(d, { recursive: true });
    for (const f of ['part_a.onnx', 'part_b.onnx', 'split.json']) copyFileSync(join(dir, 'split-k2', f), join(d, f));
    edit(d);
    return d;
  }

  it('a pair that loads is released by release()', async () => {
    const c = counting();
    const pair = await loadSplitDecoder(join(dir, 'split-k2'), 2, c.factory);
    expect(c.live()).toBe(2);
    await pair.release();
    expect(c.live()).toBe(0);
  });

  it('a part B without the expected inputs (MISSING_TENSOR) leaves no session behind', async () => {
    const d = variant('swapped', (d) => copyFileSync(join(d, 'part_a.onnx'), join(d, 'part_b.onnx')));
    const c = counting();
    expect(await caught(() => loadSplitDecoder(d, 2, c.factory))).toMatchObject({ code: 'MISSING_TENSOR', field: 'hidden_states' });
    expect(c.live()).toBe(0);
  });

  it('a part ONNX Runtime cannot load is INVALID_INPUT split and part A is released', async () => {
    const d = variant('corrupt', (d) => writeFileSync(join(d, 'part_b.onnx'), 'not an onnx model'));
    const c = counting();
    const e = await caught(() => loadSplitDecoder(d, 2, c.factory));
    expect(e).toMatchObject({ code: 'INVALID_INPUT', field: 'split' });
    expect(e.message).toContain('part_b.onnx');
    expect(c.live()).toBe(0);
  });

  it.each([
    ['a string', { kvHeads: '4' }],
    ['a fraction', { kvHeads: 2.5 }],
    ['negative', { headDim: -16 }],
    ['disagreeing with the cache inputs', { kvHeads: 2, headDim: 32 }],
  ])('split.json sizes that are %s are INVALID_INPUT split, with no session left', async (name, patch) => {
    const d = variant(`sizes-${name.replace(/\W/g, '')}`, (d) => {
      const j = JSON.parse(readFileSync(join(d, 'split.json'), 'utf8'));
      writeFileSync(join(d, 'split.json'), JSON.stringify({ ...j, ...patch }));
    });
    const c = counting();
    expect(await caught(() => loadSplitDecoder(d, 2, c.factory))).toMatchObject({ code: 'INVALID_INPUT', field: 'split' });
    expect(c.live()).toBe(0);
  });
});

describe('generateWithPruning: hostile values inside the options are typed errors, not TypeErrors', () => {
  it('prior null, an importance function returning null, an image object the processor cannot read', async () => {
    const prior = await caught(() => generateWithPruning(loaded, { image, prompt: PROMPT, maxNewTokens: 1, pruning: { keep: 8, prior: null as unknown as number[] } }));
    expect(prior).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'prior' });
    expect(await caught(() => generateWithPruning(loaded, { image, prompt: PROMPT, maxNewTokens: 1, pruning: { layer: 2, keep: 8, prior: 'abc' as unknown as number[] } }))).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'prior' });
    const importance = await caught(() => generateWithPruning(loaded, { image, prompt: PROMPT, maxNewTokens: 1, pruning: { layer: 2, keep: 8, importance: () => null as unknown as number[] } }));
    expect(importance).toMatchObject({ code: 'INVALID_INPUT', field: 'importance' });
    const k0 = await caught(() => generateWithPruning(loaded, { image, prompt: PROMPT, maxNewTokens: 1, pruning: { keep: 8, importance: () => 7 as unknown as number[] } }));
    expect(k0).toMatchObject({ code: 'INVALID_INPUT', field: 'importance' });
    for (const pruning of [false, { layer: 2, keep: 8 }] as const) {
      expect(await caught(() => generateWithPruning(loaded, { image: {}, prompt: PROMPT, maxNewTokens: 1, pruning }))).toMatchObject({ code: 'INVALID_INPUT', field: 'image' });
    }
    expect(Object.prototype.hasOwnProperty.call(loaded.model, 'forward')).toBe(false);
  });

  it('a pruning layer at or beyond the LLM\'s layer count is INVALID_ARGUMENT layer naming the valid range, not a missing split pair', async () => {
    for (const layer of [4, 9]) {
      const e = await caught(() => generateWithPruning(loaded, { image, prompt: PROMPT, maxNewTokens: 1, pruning: { layer, keep: 8 } }));
      expect(e).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'layer' });
      expect(e.message).toContain('[1, 3]');
    }
    // the last layer that leaves part B a layer still runs (the fixture has no pair for it: a missing split, not a bad layer)
    expect(await caught(() => generateWithPruning(loaded, { image, prompt: PROMPT, maxNewTokens: 1, pruning: { layer: 3, keep: 8 } }))).toMatchObject({ code: 'INVALID_INPUT', field: 'split' });
  });
});

describe('generateWithPruning: concurrent calls on one loaded model', () => {
  it('layer-0 generations started together all finish with the tokens each gives alone; one that fails does not stop the others', async () => {
    const alone = [];
    for (const pruning of [{ keep: 64 }, false, { keep: 8 }] as const) alone.push((await generateWithPruning(loaded, { image, prompt: PROMPT, maxNewTokens: 3, pruning })).tokenIds);
    const together = await Promise.allSettled([
      generateWithPruning(loaded, { image, prompt: PROMPT, maxNewTokens: 3, pruning: { keep: 64 } }),
      generateWithPruning(loaded, { image, prompt: PROMPT, maxNewTokens: 3, pruning: false }),
      generateWithPruning(loaded, {
        image,
        prompt: PROMPT,
        maxNewTokens: 3,
        pruning: { keep: 64 },
        onToken: () => {
          throw new Error('client gone');
        },
      }),
      generateWithPruning(loaded, { image, prompt: PROMPT, maxNewTokens: 3, pruning: { layer: 2, keep: 64 } }),
      generateWithPruning(loaded, { image, prompt: PROMPT, maxNewTokens: 3, pruning: { keep: 8 } }),
    ]);
    const ok = (i: number) => {
      const r = together[i];
      if (r.status !== 'fulfilled') throw r.reason;
      return r.value;
    };
    expect(ok(0).tokenIds).toEqual(alone[0]);
    expect(ok(0).visualTokens).toEqual({ before: 576, after: 64 });
    expect(ok(1).tokenIds).toEqual(alone[1]);
    expect(ok(1).visualTokens).toEqual({ before: 576, after: 576 });
    expect(together[2]).toMatchObject({ status: 'rejected', reason: { message: 'client gone' } });
    expect(ok(3).visualTokens).toEqual({ before: 576, after: 64 });
    expect(ok(4).tokenIds).toEqual(alone[2]);
    expect(ok(4).visualTokens).toEqual({ before: 576, after: 8 });
    expect(Object.prototype.hasOwnProperty.call(loaded.model, 'forward')).toBe(false);
  });
});
