import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { D2PrunerError } from '@d2pruner/core';
import { MAX_GRAPH_WEIGHT_BYTES, buildTokenizer, checkTinyModelSize, resolveTinyModelConfig, runTinyModelCli, writeTinyModel } from '../src/index.js';

const tmp = mkdtempSync(join(tmpdir(), 'tiny-model-size-'));

async function rejected(options: object): Promise<D2PrunerError> {
  const dir = join(tmp, `m${Math.random().toString(36).slice(2)}`);
  try {
    await writeTinyModel(dir, options);
  } catch (e) {
    expect(existsSync(dir)).toBe(false); // checked before anything is written
    if (e instanceof D2PrunerError) return e;
    throw e;
  }
  throw new Error('expected a typed error');
}

describe('sizes whose graphs cannot fit an ONNX file are refused before any work', () => {
  it.each([
    [{ intermediate: 600_000_000 }, 'intermediate'],
    [{ hidden: 40_000, heads: 4 }, 'hidden'],
    [{ layers: 100_000_000 }, 'layers'],
    [{ hidden: 4096, layers: 40 }, 'layers'],
    [{ visionHidden: 2_000_000 }, 'visionHidden'],
    [{ visionLayers: 10_000_000 }, 'visionLayers'],
  ])('%o → INVALID_ARGUMENT %s', async (options, field) => {
    const e = await rejected(options);
    expect(e).toMatchObject({ code: 'INVALID_ARGUMENT', field });
    expect(e.message).toContain('GiB');
  });

  it('the benchmark size (hidden 1024, 8 layers) and the defaults pass', () => {
    const V = buildTokenizer().vocabSize;
    expect(() => checkTinyModelSize(resolveTinyModelConfig({ hidden: 1024, layers: 8 }), V)).not.toThrow();
    expect(() => checkTinyModelSize(resolveTinyModelConfig(), V)).not.toThrow();
    expect(MAX_GRAPH_WEIGHT_BYTES).toBeLessThan(2 ** 31);
  });

  it('the CLI exits 2 naming the flag, without writing', async () => {
    const err: string[] = [];
    const dir = join(tmp, 'cli');
    expect(await runTinyModelCli([dir, '--layers', '100000000'], () => undefined, (t) => err.push(t))).toBe(2);
    expect(err.join('')).toContain('[INVALID_ARGUMENT] layers');
    expect(existsSync(dir)).toBe(false);
  });
});
