import { join } from 'node:path';
import { InvalidArgumentError } from '@d2pruner/core';
import { SCENE_BIASES, calibrate, calibrationScenes, makeScenes, priorFileBytes, resolveSceneOptions, sceneFileBytes, sceneGeometry, type SceneBias } from '@d2pruner/pipeline';
import { defineCommand } from '../cli/command.js';
import { ensureOutputDir } from '../out-dir.js';

/** The most scenes one call writes. */
export const MAX_SCENES = 100_000;

/** The file name of scene `k` in an output folder. */
export function sceneFileName(k: number): string {
  return `scene-${String(k).padStart(4, '0')}.safetensors`;
}

/**
 * `d2pruner scenes OUT_DIR` (docs/eval.md): labelled synthetic scenes
 * `OUT_DIR/scene-NNNN.safetensors` whose attention carries a positional bias, and
 * `OUT_DIR/prior.safetensors` calibrated on scenes of other seeds.
 */
export const scenesCommand = defineCommand({
  name: 'scenes',
  summary: 'Write labelled synthetic scenes with a positional attention bias, and their calibrated prior.',
  usage: ['scenes OUT_DIR [--count 100] [--layout llava-1.5|internvl-2x3|RxC] [--bias bottom|periphery|none] [--strength 4] [--seed 1]'],
  positionals: 'OUT_DIR',
  options: {
    count: { type: 'number', valueName: 'N', default: 100, description: 'scenes to write' },
    layout: { type: 'string', valueName: 'NAME', default: 'llava-1.5', description: 'token layout: llava-1.5 (24x24), internvl-2x3 (6 tiles + thumbnail), internvl-RxC, or RxC' },
    bias: { type: 'string', choices: SCENE_BIASES, default: 'bottom', description: 'kind of positional attention bias' },
    strength: { type: 'number', valueName: 'S', default: 4, description: 'bias strength: attention × (1 + p)^S' },
    seed: { type: 'number', valueName: 'SEED', default: 1, description: 'base seed (the prior uses other seeds)' },
    dim: { type: 'number', valueName: 'D', default: 32, description: 'feature width' },
    calibration: { type: 'number', valueName: 'N', default: 64, description: 'scenes averaged into prior.safetensors' },
  },
  examples: ['scenes scenes/ --count 60 --bias bottom --strength 4 --seed 1'],
  async run({ values, positionals }, io) {
    const [out, ...extra] = positionals;
    if (!out) throw new InvalidArgumentError('OUT_DIR', 'scenes needs an output folder');
    if (extra.length) throw new InvalidArgumentError('OUT_DIR', `scenes takes one output folder, got ${positionals.length}`);
    for (const name of ['count', 'calibration'] as const) {
      const v = values[name];
      if (!Number.isInteger(v) || v < 1 || v > MAX_SCENES) throw new InvalidArgumentError(name, `--${name} must be an integer in [1, ${MAX_SCENES}], got ${v}`);
    }
    const options = resolveSceneOptions({ layout: values.layout, bias: values.bias as SceneBias, strength: values.strength, seed: values.seed, dim: values.dim });
    sceneGeometry(options.layout);
    await ensureOutputDir(out, 'OUT_DIR');
    let k = 0;
    for (const scene of makeScenes(options, values.count)) await io.writeFile(join(out, sceneFileName(k++)), sceneFileBytes(scene));
    const inputs = (function* () {
      for (const s of calibrationScenes(options, values.calibration)) yield s.input;
    })();
    const prior = await calibrate(inputs, { model: `synthetic-${options.layout}` });
    await io.writeFile(join(out, 'prior.safetensors'), priorFileBytes(prior));
    io.err(`scenes: ${values.count} labelled scenes (${options.layout}, bias ${options.bias}, strength ${options.strength}, seed ${options.seed}) and prior.safetensors (${prior.samples} calibration scenes) → ${out}\n`);
    return 0;
  },
});
