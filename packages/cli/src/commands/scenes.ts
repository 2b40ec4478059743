import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { InvalidArgumentError } from '@d2pruner/core';
import { SCENE_BIASES, calibrate, calibrationScenes, makeScenes, priorFileBytes, resolveSceneOptions, sceneGeometry, sceneFileBytes, type SceneBias, type SceneOptions } from '@d2pruner/pipeline';
import type { ParsedArgs } from '../args.js';
import { declaredArgs, numberValue } from '../declared-args.js';
import type { CliIo } from '../io.js';

/** The options `d2pruner scenes` declares (node:util parseArgs). */
export const SCENES_OPTIONS = {
  count: { type: 'string' },
  layout: { type: 'string' },
  bias: { type: 'string' },
  strength: { type: 'string' },
  seed: { type: 'string' },
  dim: { type: 'string' },
  calibration: { type: 'string' },
} as const;

/** The most scenes one call writes. */
export const MAX_SCENES = 100_000;

/** The file name of scene `k` in an output folder. */
export function sceneFileName(k: number): string {
  return `scene-${String(k).padStart(4, '0')}.safetensors`;
}

/**
 * `d2pruner scenes OUT_DIR [--count 100] [--layout llava-1.5|internvl-2x3|RxC]
 * [--bias bottom|periphery|none] [--strength 4] [--seed 1] [--dim 32] [--calibration 64]`
 * (eval.md §4): labelled synthetic scenes `OUT_DIR/scene-NNNN.safetensors` whose attention
 * carries the positional bias, and `OUT_DIR/prior.safetensors` calibrated on scenes of other seeds.
 */
export async function scenesCommand(_args: ParsedArgs, io: CliIo, argv: readonly string[] = []): Promise<number> {
  const { values, positionals } = declaredArgs(() => parseArgs({ args: [...argv], options: SCENES_OPTIONS, allowPositionals: true, strict: true }));
  const [out, ...extra] = positionals;
  if (!out) throw new InvalidArgumentError('OUT_DIR', 'scenes needs an output folder');
  if (extra.length) throw new InvalidArgumentError('OUT_DIR', `scenes takes one output folder, got ${positionals.length}`);
  const count = numberValue('count', values.count) ?? 100;
  const calibration = numberValue('calibration', values.calibration) ?? 64;
  for (const [name, v] of [['count', count], ['calibration', calibration]] as const) {
    if (!Number.isInteger(v) || v < 1 || v > MAX_SCENES) throw new InvalidArgumentError(name, `--${name} must be an integer in [1, ${MAX_SCENES}], got ${v}`);
  }
  const bias = values.bias ?? 'bottom';
  if (!SCENE_BIASES.includes(bias as SceneBias)) throw new InvalidArgumentError('bias', `--bias must be one of ${SCENE_BIASES.join(', ')}, got '${bias}'`);
  const options: SceneOptions = {
    layout: values.layout ?? 'llava-1.5',
    bias: bias as SceneBias,
    strength: numberValue('strength', values.strength) ?? 4,
    seed: numberValue('seed', values.seed) ?? 1,
    dim: numberValue('dim', values.dim) ?? 32,
  };
  sceneGeometry(resolveSceneOptions(options).layout);
  await mkdir(out, { recursive: true });
  let k = 0;
  for (const scene of makeScenes(options, count)) await io.writeFile(join(out, sceneFileName(k++)), sceneFileBytes(scene));
  const prior = await calibrate(
    (function* () {
      for (const s of calibrationScenes(options, calibration)) yield s.input;
    })(),
    { model: `synthetic-${options.layout}` },
  );
  await io.writeFile(join(out, 'prior.safetensors'), priorFileBytes(prior));
  io.err(`scenes: ${count} labelled scenes (${options.layout}, bias ${options.bias}, strength ${options.strength}, seed ${options.seed}) and prior.safetensors (${prior.samples} calibration scenes) → ${out}\n`);
  return 0;
}
