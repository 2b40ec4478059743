import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { generateWithPruning, loadLocalLlava, type GenerateOptions, type LoadedLlava, type PruningOptions, type SessionLike } from '../src/index.js';
import { caught, tinyModelFixture } from './helpers.js';

const PROMPT = 'USER: <image>\nWhat is in the picture? ASSISTANT:';
let loaded: LoadedLlava;
let image: string;

beforeAll(async () => {
  const fx = await tinyModelFixture({ seed: 3, layers: 4 }, [2]);
  image = fx.image;
  loaded = await loadLocalLlava(fx.dir);
});

/** Before the LLM, unpruned, and inside it at layer 2 (a split pair loaded and released by the call). */
const PATHS: [string, PruningOptions | false][] = [
  ['layer 0', { keep: 8 }],
  ['unpruned', false],
  ['layer 2', { layer: 2, keep: 8 }],
];

const undo: (() => void)[] = [];
afterEach(() => {
  for (const f of undo.splice(0).reverse()) f();
  // the model is restored (no patched forward left) whatever happened
  expect(Object.prototype.hasOwnProperty.call(loaded.model, 'forward')).toBe(false);
});

/**
 * Counts the runs of every ONNX Runtime session the model has or the call creates (the split
 * pair comes from the same session class), and which of the created ones are still live.
 */
function countRuns(): { runs: () => number; live: () => number } {
  let runs = 0;
  let live = 0;
  const counted = (s: SessionLike) => {
    const own = Object.getOwnPropertyDescriptor(s, 'run');
    const run = s.run.bind(s);
    (s as { run: SessionLike['run'] }).run = (feeds) => (runs++, run(feeds));
    return () => void (own ? Object.defineProperty(s, 'run', own) : delete (s as Partial<SessionLike>).run);
  };
  for (const s of Object.values(loaded.model.sessions)) undo.push(counted(s));
  const ctor = Object.getPrototypeOf(loaded.model.sessions.decoder_model_merged).constructor as { create: (...a: unknown[]) => Promise<SessionLike & { release(): Promise<void> }> };
  const create = Object.getOwnPropertyDescriptor(ctor, 'create');
  ctor.create = async (...a: unknown[]) => {
    const s = await (create?.value as typeof ctor.create).apply(ctor, a);
    live++;
    counted(s);
    const release = s.release.bind(s);
    s.release = () => (live--, release());
    return s;
  };
  undo.push(() => void (create ? Object.defineProperty(ctor, 'create', create) : delete (ctor as Partial<typeof ctor>).create));
  return { runs: () => runs, live: () => live };
}

/** Counts the disposals of transformers.js' KV caches (its generate disposes the cache when it ends). */
function countCacheDisposals(): () => number {
  const proto = loaded.transformers.DynamicCache.prototype as { dispose(): Promise<void> };
  const dispose = Object.getOwnPropertyDescriptor(proto, 'dispose');
  let n = 0;
  proto.dispose = function (this: unknown) {
    n++;
    return (dispose?.value as () => Promise<void>).call(this);
  };
  undo.push(() => void (dispose && Object.defineProperty(proto, 'dispose', dispose)));
  return () => n;
}

describe('generateWithPruning: options.signal', () => {
  it.each(PATHS)('%s: an already-aborted signal rejects with its reason at once, before any model run; onToken is never called', async (_, pruning) => {
    const counts = countRuns();
    for (const reason of [undefined, new Error('stop here')]) {
      const ac = new AbortController();
      ac.abort(reason);
      let tokens = 0;
      const e = await generateWithPruning(loaded, { image, prompt: PROMPT, maxNewTokens: 4, pruning, onToken: () => void tokens++, signal: ac.signal }).then(
        () => undefined,
        (x: unknown) => x,
      );
      expect(e).toBe(ac.signal.reason);
      if (reason === undefined) expect(e).toMatchObject({ name: 'AbortError' });
      expect(e).toBeInstanceOf(reason === undefined ? DOMException : Error);
      expect(tokens).toBe(0);
    }
    expect(counts.runs()).toBe(0);
    expect(counts.live()).toBe(0);
  });

  it.each(PATHS)('%s: aborting from onToken after the 2nd token stops generation there; the call rejects with the reason and releases what it allocated', async (_, pruning) => {
    // the tokens the same generation gives without a signal, and the runs and cache disposals it takes for 2 tokens
    const full = await generateWithPruning(loaded, { image, prompt: PROMPT, maxNewTokens: 8, pruning });
    expect(full.tokenIds).toHaveLength(8);
    const twoCounts = countRuns();
    const twoDisposals = countCacheDisposals();
    await generateWithPruning(loaded, { image, prompt: PROMPT, maxNewTokens: 2, pruning });
    const [runsForTwo, disposalsForTwo] = [twoCounts.runs(), twoDisposals()];
    for (const f of undo.splice(0).reverse()) f();

    const counts = countRuns();
    const disposals = countCacheDisposals();
    const ac = new AbortController();
    const reason = new Error('client gone');
    const seen: number[] = [];
    const options: GenerateOptions = {
      image,
      prompt: PROMPT,
      maxNewTokens: 8,
      pruning,
      signal: ac.signal,
      onToken: ({ id }) => {
        seen.push(id);
        if (seen.length === 2) ac.abort(reason);
      },
    };
    await expect(generateWithPruning(loaded, options)).rejects.toBe(reason);
    expect(seen).toEqual(full.tokenIds.slice(0, 2));
    // no decode step ran after the abort, and what the call allocated went as on a normal end
    expect(counts.runs()).toBe(runsForTwo);
    expect(counts.live()).toBe(0);
    expect(disposals()).toBe(disposalsForTwo);
  });

  it('without a signal (or with one that never aborts) the tokens are unchanged', async () => {
    for (const [, pruning] of PATHS) {
      const plain = await generateWithPruning(loaded, { image, prompt: PROMPT, maxNewTokens: 5, pruning });
      const streamed: number[] = [];
      const withSignal = await generateWithPruning(loaded, { image, prompt: PROMPT, maxNewTokens: 5, pruning, signal: new AbortController().signal, onToken: ({ id }) => void streamed.push(id) });
      expect(withSignal.tokenIds).toEqual(plain.tokenIds);
      expect(withSignal.text).toBe(plain.text);
      expect(streamed).toEqual(plain.tokenIds);
    }
  });

  it('a signal that is not an AbortSignal is INVALID_ARGUMENT signal, before any model run', async () => {
    const counts = countRuns();
    for (const signal of [null, 'abort', 1, {}, { aborted: 'no', addEventListener() {} }, { aborted: false }, [], () => undefined]) {
      for (const [, pruning] of PATHS) {
        const e = await caught(() => generateWithPruning(loaded, { image, prompt: PROMPT, maxNewTokens: 1, pruning, signal: signal as unknown as AbortSignal }));
        expect(e, String(signal)).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'signal' });
      }
    }
    expect(counts.runs()).toBe(0);
    // an AbortSignal-like object (a boolean aborted and addEventListener) is taken
    const like = { aborted: false, reason: undefined, addEventListener() {}, removeEventListener() {} };
    expect((await generateWithPruning(loaded, { image, prompt: PROMPT, maxNewTokens: 1, pruning: false, signal: like as unknown as AbortSignal })).tokenIds).toHaveLength(1);
  });
});
