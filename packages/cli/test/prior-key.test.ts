import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { layoutToJson, readSafetensors, writeSafetensors } from '@d2pruner/core';
import { makeScene, type EvalReport } from '@d2pruner/pipeline';
import { runCli } from './helpers.js';

// docs/algorithm.md §6: a prior is keyed by (model, layer, layout signature); docs/formats.md §1:
// token files may record d2pruner.model and d2pruner.layer, a prior file records all three.

const tmp = mkdtempSync(join(tmpdir(), 'd2pruner-prior-key-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A 4×4 token file (square: no layout needed) with attention, features and these metadata. */
function tokenFile(name: string, value: number, metadata: Record<string, string> = {}): string {
  const f = join(tmp, name);
  writeFileSync(
    f,
    writeSafetensors(
      {
        attention: { shape: [16], data: Float32Array.from({ length: 16 }, (_, i) => value + i / 16) },
        features: { shape: [16, 4], data: Float32Array.from({ length: 64 }, (_, i) => Math.sin(i * value)) },
      },
      metadata,
    ),
  );
  return f;
}

/** A hand-written 16-value prior file recording these metadata. */
function priorFile(name: string, metadata: Record<string, string>): string {
  const f = join(tmp, name);
  writeFileSync(f, writeSafetensors({ prior: { shape: [16], data: new Float32Array(16).fill(1) } }, metadata));
  return f;
}

function readPrior(path: string): { prior: number[]; metadata: Record<string, string> } {
  const file = readSafetensors(new Uint8Array(readFileSync(path)));
  return { prior: Array.from(file.get('prior')!.data), metadata: file.metadata };
}

const SAME = tokenFile('same.safetensors', 1, { 'd2pruner.model': 'llava-1.5-7b', 'd2pruner.layer': '2' });
const ALIAS = tokenFile('alias.safetensors', 2, { 'd2pruner.model': 'LLaVA-v1.5-7B', 'd2pruner.layer': '2' });
const OTHER_MODEL = tokenFile('other-model.safetensors', 3, { 'd2pruner.model': 'llava-1.5-13b', 'd2pruner.layer': '2' });
const OTHER_LAYER = tokenFile('other-layer.safetensors', 4, { 'd2pruner.model': 'llava-1.5-7b', 'd2pruner.layer': '3' });
const BARE = tokenFile('bare.safetensors', 5);
const PRIOR = priorFile('prior-7b-l2.safetensors', { 'd2pruner.model': 'llava-1.5-7b', 'd2pruner.layer': '2' });

const MODEL_ERROR = /^d2pruner: error \[INVALID_INPUT\] prior: [^\n]*model[^\n]*\n$/;
const LAYER_ERROR = /^d2pruner: error \[INVALID_INPUT\] prior: [^\n]*layer[^\n]*\n$/;

describe('prune FILE --prior: the prior belongs to one model and one layer (docs/algorithm.md §6)', () => {
  it('a file recorded with another model: exit 2 naming prior, the message naming the model', async () => {
    const r = await runCli(['prune', OTHER_MODEL, '--keep', '4', '--prior', PRIOR, '--json']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(MODEL_ERROR);
    expect(r.err).not.toMatch(/layer/);
    expect(r.out).toBe('');
  });

  it('a file recorded at another layer: exit 2 naming prior, the message naming the layer', async () => {
    const r = await runCli(['prune', OTHER_LAYER, '--keep', '4', '--prior', PRIOR, '--json']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(LAYER_ERROR);
    expect(r.err).not.toMatch(/model/);
  });

  it('the same model (by id or by an alias in another case) and layer is accepted; a file recording neither is not checked', async () => {
    for (const file of [SAME, ALIAS, BARE]) {
      const r = await runCli(['prune', file, '--keep', '4', '--prior', PRIOR, '--json']);
      expect(r.code, `${file}: ${r.err}`).toBe(0);
      expect((JSON.parse(r.out) as { keep: number[] }).keep).toHaveLength(4);
    }
  });

  it("a prior recording no model ('unknown', as calibrate writes) and no layer ('') is not checked against them", async () => {
    const loose = priorFile('prior-loose.safetensors', { 'd2pruner.model': 'unknown', 'd2pruner.layer': '' });
    for (const file of [OTHER_MODEL, OTHER_LAYER]) expect((await runCli(['prune', file, '--keep', '4', '--prior', loose])).code).toBe(0);
  });
});

describe('prune --batch --prior: a line of another model or layer gets an error line, the batch goes on', () => {
  for (const workers of ['0', '1']) {
    it(`--workers ${workers}`, async () => {
      const lines = join(tmp, `batch-${workers}.jsonl`);
      writeFileSync(lines, [SAME, ALIAS, OTHER_MODEL, OTHER_LAYER, BARE].map((input) => JSON.stringify({ input, keep: 4 }) + '\n').join(''));
      const r = await runCli(['prune', '--batch', lines, '--prior', PRIOR, '--workers', workers]);
      expect(r.code, r.err).toBe(0);
      const results = r.out.trim().split('\n').map((l) => JSON.parse(l) as { keep?: number[]; error?: { code: string; field: string; message: string } });
      expect(results.map((x) => (x.error ? `${x.error.code} ${x.error.field}` : x.keep?.length))).toEqual([4, 4, 'INVALID_INPUT prior', 'INVALID_INPUT prior', 4]);
      expect(results[2].error?.message).toMatch(/model/);
      expect(results[3].error?.message).toMatch(/layer/);
      expect(results[3].error?.message).not.toMatch(/model/);
    });
  }
});

describe('eval --prior: files of another model or layer are skipped naming prior', () => {
  /** A labelled 4×4 scene file recording these metadata. */
  function labelled(k: number, metadata: Record<string, string>): string {
    const s = makeScene({ layout: '4x4', bias: 'bottom', strength: 2, seed: 1, dim: 4 }, k);
    const { features, attention, layout } = s.input;
    const f = join(tmp, `scene-${k}.safetensors`);
    writeFileSync(
      f,
      writeSafetensors(
        {
          features: { shape: [features.rows, features.cols], data: features.data },
          attention: { shape: [attention.length], data: attention },
          object: { shape: [s.labels.object.length], data: Float32Array.from(s.labels.object) },
        },
        { 'd2pruner.layout': JSON.stringify(layoutToJson(layout)), 'd2pruner.objects': JSON.stringify(s.labels.objects), 'd2pruner.referent': String(s.labels.referent), ...metadata },
        { object: 'I32' },
      ),
    );
    return f;
  }

  for (const workers of [[], ['--workers', '1']]) {
    it(`two of four files skipped ${workers.join(' ')}`, async () => {
      const files = [
        labelled(0, { 'd2pruner.model': 'llava-1.5-7b', 'd2pruner.layer': '2' }),
        labelled(1, { 'd2pruner.model': 'llava-1.5-13b' }),
        labelled(2, { 'd2pruner.layer': '5' }),
        labelled(3, {}),
      ];
      const r = await runCli(['eval', ...files, '--methods', 'd2pruner', '--keep', '4', '--prior', PRIOR, '--json', ...workers]);
      expect(r.code, r.err).toBe(0);
      expect((JSON.parse(r.out) as EvalReport).results.map((x) => [x.files, x.skipped])).toEqual([[2, 2]]);
      expect(r.err).toContain(`eval: skipped d2pruner on ${files[1]}: [INVALID_INPUT] prior: `);
      expect(r.err).toMatch(new RegExp(`skipped d2pruner on ${files[1]}: [^\\n]*model`));
      expect(r.err).toMatch(new RegExp(`skipped d2pruner on ${files[2]}: \\[INVALID_INPUT\\] prior: [^\\n]*layer`));
    });
  }
});

describe('calibrate averages inputs of one layer and records it', () => {
  const L2 = tokenFile('l2.safetensors', 1, { 'd2pruner.layer': '2' });
  const L3 = tokenFile('l3.safetensors', 3, { 'd2pruner.layer': '3' });
  const NONE = tokenFile('l-none.safetensors', 5);

  for (const workers of ['0', '1']) {
    it(`without --layer: an input at another layer than the first averaged one is skipped naming layer, the prior records layer 2 (--workers ${workers})`, async () => {
      const out = join(tmp, `p-layer-${workers}.safetensors`);
      const r = await runCli(['calibrate', L2, L3, NONE, '--out', out, '--workers', workers]);
      expect(r.code, r.err).toBe(0);
      expect(r.err).toContain(`calibrate: skipped ${L3}: [INVALID_INPUT] layer: `);
      expect(r.err).toContain('averaged 2 inputs (1 skipped)');
      const { prior, metadata } = readPrior(out);
      // by hand: (L2 + NONE) / 2 = ((1 + i/16) + (5 + i/16)) / 2 = 3 + i/16
      expect(prior).toEqual(Array.from({ length: 16 }, (_, i) => Math.fround(3 + i / 16)));
      expect(metadata['d2pruner.layer']).toBe('2');
    });
  }

  it('with --layer 3: inputs at another layer are skipped, those recording none are kept', async () => {
    const out = join(tmp, 'p-layer-3.safetensors');
    const r = await runCli(['calibrate', L2, L3, NONE, '--out', out, '--layer', '3', '--workers', '0']);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toContain(`calibrate: skipped ${L2}: [INVALID_INPUT] layer: `);
    // by hand: (L3 + NONE) / 2 = 4 + i/16
    expect(readPrior(out)).toMatchObject({ prior: Array.from({ length: 16 }, (_, i) => Math.fround(4 + i / 16)), metadata: { 'd2pruner.layer': '3' } });
  });
});
