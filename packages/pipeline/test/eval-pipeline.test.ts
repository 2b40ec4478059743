import { describe, expect, it } from 'vitest';
import { firstValueFrom, toArray } from 'rxjs';
import { writeSafetensors } from '@d2pruner/core';
import { MAX_SCENE_SEED, calibrationScenes, d2prunerStages, evaluateFiles, evaluateOutcomes, evaluateRunning, makeScene, makeScenes, sceneFileBytes, sceneGeometry, type EvalReport, type EvalRun } from '../src/index.js';

const OPTIONS = { layout: '8x8', bias: 'bottom' as const, strength: 4, seed: 3, dim: 8 };

describe('evaluateOutcomes / evaluateFiles', () => {
  const runs: EvalRun[] = [
    { method: 'fastv', budget: { keep: 6 } },
    { method: 'dart', budget: { keep: 6 } },
  ];

  it('runs every (method, budget) on every file; a method missing a tensor is skipped with the reason, an unreadable file too', async () => {
    const files = [...makeScenes(OPTIONS, 3)].map((s, k) => ({ name: `scene-${k}`, bytes: sceneFileBytes(s) }));
    const sources = [...files, 'missing.safetensors'];
    const readFile = () => Promise.reject(Object.assign(new Error('nope'), { code: 'INVALID_INPUT', field: 'input' }));
    const outcomes = await firstValueFrom(evaluateOutcomes(sources, { runs, readFile, concurrency: 2 }).pipe(toArray()));
    expect(outcomes.map((o) => `${o.file}:${o.run.method}`)).toEqual(sources.flatMap((s) => runs.map((r) => `${typeof s === 'string' ? s : s.name}:${r.method}`)));
    const fastv = outcomes.filter((o) => o.run.method === 'fastv' && o.selection);
    expect(fastv).toHaveLength(3);
    for (const o of fastv) expect(o.selection?.keep).toHaveLength(6);
    const report = await firstValueFrom(evaluateFiles(sources, { runs, readFile }));
    expect(report.files).toBe(4);
    expect(report.results.map((r) => [r.method, r.files, r.skipped])).toEqual([
      ['fastv', 3, 1],
      ['dart', 0, 4],
    ]);
    expect(report.results[1].skipReasons?.find((r) => r.reason.startsWith('[MISSING_TENSOR] keys'))?.files).toBe(3);
  });

  it('a file without the object tensor is skipped for every method, naming object', async () => {
    const s = makeScene(OPTIONS, 0);
    const bytes = writeSafetensors({ attention: { shape: [64], data: s.input.attention } });
    const report = await firstValueFrom(evaluateFiles([{ name: 'unlabelled', bytes }], { runs: runs.slice(0, 1) }));
    expect(report.results[0]).toMatchObject({ files: 0, skipped: 1, skipReasons: [{ reason: expect.stringContaining('[MISSING_TENSOR] object') as string }] });
  });

  it('evaluateRunning emits the running report after every outcome; the last equals evaluate', async () => {
    const files = [...makeScenes(OPTIONS, 2)].map((s, k) => ({ name: `s${k}`, bytes: sceneFileBytes(s) }));
    const running = await firstValueFrom(evaluateOutcomes(files, { runs }).pipe(evaluateRunning(runs), toArray()));
    expect(running).toHaveLength(4);
    expect(running[0].results[0].files).toBe(1);
    const timeless = (r: EvalReport) => r.results.map(({ msPerFile, ...rest }) => ({ ...rest, timed: msPerFile !== null }));
    expect(timeless(running[3])).toEqual(timeless(await firstValueFrom(evaluateFiles(files, { runs }))));
  });
});

describe('synthetic scenes (docs/eval.md §4)', () => {
  it('are deterministic in (options, index), labelled, and the referent is present', () => {
    const a = makeScene({ layout: 'llava-1.5' }, 5);
    const b = makeScene({ layout: 'llava-1.5' }, 5);
    expect(a.input.attention).toEqual(b.input.attention);
    expect(a.input.features.rows).toBe(576);
    expect(a.labels.object.includes(a.labels.referent)).toBe(true);
    expect(a.labels.objects.map((o) => o.id)).toContain(a.labels.referent);
    let sum = 0;
    for (const v of a.input.attention) sum += v;
    expect(sum).toBeCloseTo(1, 5);
    expect(makeScene({ layout: 'llava-1.5' }, 6).input.attention).not.toEqual(a.input.attention);
  });

  it('bottom bias: the bottom rows carry more attention than the top rows on average', () => {
    let top = 0;
    let bottom = 0;
    for (const s of makeScenes({ layout: '24x24', bias: 'bottom', strength: 4 }, 20)) {
      for (let i = 0; i < 48; i++) top += s.input.attention[i];
      for (let i = 576 - 48; i < 576; i++) bottom += s.input.attention[i];
    }
    expect(bottom / top).toBeGreaterThan(8);
  });

  it('an option given as undefined takes its documented default (llava-1.5, bottom, strength 4, seed 1, dim 32)', () => {
    const undef = { layout: undefined, bias: undefined, strength: undefined, seed: undefined, dim: undefined };
    const scene = makeScene(undef, 2);
    expect(scene.input.features.rows).toBe(24 * 24);
    expect(scene.input.features.cols).toBe(32);
    expect(Array.from(scene.input.attention)).toEqual(Array.from(makeScene({ layout: 'llava-1.5', bias: 'bottom', strength: 4, seed: 1, dim: 32 }, 2).input.attention));
  });

  it('internvl-2x3 has 7 frames worth of tokens; bad options are typed errors', () => {
    expect(makeScene({ layout: 'internvl-2x3' }, 0).input.attention.length).toBe(7 * 256);
    expect(() => makeScene({ layout: 'hexagon' }, 0)).toThrow(expect.objectContaining({ field: 'layout' }) as Error);
    expect(() => makeScene({ bias: 'left' as never }, 0)).toThrow(expect.objectContaining({ field: 'bias' }) as Error);
    expect(() => makeScene({ strength: -1 }, 0)).toThrow(expect.objectContaining({ field: 'strength' }) as Error);
  });
});

describe('scene and run limits', () => {
  it('every scene has a referent that is present, even on grids too small to cover a blob (1×1, 2×2, 4×4)', () => {
    for (const layout of ['1x1', '2x2', '4x4']) {
      for (let k = 0; k < 200; k++) {
        const { labels } = makeScene({ layout, seed: 3 }, k);
        expect(Array.from(labels.object), `${layout} scene ${k}`).toContain(labels.referent);
      }
    }
  });

  it('seeds are at most 2^32 − 1, and scenes of the largest seed still differ from each other', () => {
    expect(MAX_SCENE_SEED).toBe(2 ** 32 - 1);
    expect(() => makeScene({ seed: 2 ** 32 }, 0)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', field: 'seed' }));
    const [a, b] = [0, 1].map((k) => makeScene({ seed: MAX_SCENE_SEED, dim: 4 }, k).input.attention);
    expect(Array.from(a)).not.toEqual(Array.from(b));
  });

  it('the calibration set of any valid seed, the largest included, uses the PRNG seeds ((s + 7919)·1000003 + k) mod 2^32', () => {
    // s = 2^32 − 1: s + 7919 ≡ 7918 (mod 2^32), so calibration scene k is scene k of seed 7918
    const options = { layout: '4x4', dim: 4 };
    const prior = [...calibrationScenes({ ...options, seed: MAX_SCENE_SEED }, 2)];
    expect(prior.map((s) => Array.from(s.input.attention))).toEqual([0, 1].map((k) => Array.from(makeScene({ ...options, seed: 7918 }, k).input.attention)));
    // below the wrap the seed is s + 7919 as before
    expect(Array.from([...calibrationScenes({ ...options, seed: 5 }, 1)][0].input.attention)).toEqual(Array.from(makeScene({ ...options, seed: 5 + 7919 }, 0).input.attention));
  });

  it('internvl tile grids need at least one tile each way', () => {
    for (const name of ['internvl-0x3', 'internvl-2x0']) expect(() => sceneGeometry(name)).toThrow(expect.objectContaining({ field: 'layout' }));
    expect(sceneGeometry('internvl-1x1').layout.frames).toHaveLength(2);
  });

  it('the same (method, budget) twice is refused: the report has one row per pair', () => {
    const runs: EvalRun[] = [
      { method: 'fastv', budget: { keep: 4 } },
      { method: 'fastv', budget: { keep: 4 }, params: {} },
    ];
    expect(() => evaluateOutcomes([], { runs })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', field: 'runs' }));
  });
});

describe('evaluating a custom composition', () => {
  it("D2Pruner as its five stages (d2prunerStages) evaluates exactly as the registered method", async () => {
    const options = { layout: '12x12', bias: 'bottom' as const, strength: 4, seed: 4, dim: 8 };
    const files = [...makeScenes(options, 5)].map((s, k) => ({ name: `s${k}`, bytes: sceneFileBytes(s) }));
    const runs: EvalRun[] = [{ method: 'd2pruner', budget: { ratio: 0.1 } }, { method: 'd2pruner', budget: { ratio: 0.3 } }];
    const strip = (r: EvalReport) => r.results.map((x) => [x.files, x.referentHit, x.referentShare, x.objectRecall, x.kept]);
    const whole = await firstValueFrom(evaluateFiles(files, { runs }));
    const staged = await firstValueFrom(evaluateFiles(files, { runs, stages: d2prunerStages() }));
    expect(strip(staged)).toEqual(strip(whole));
    expect(whole.results[0].files).toBe(5);
  });
});
