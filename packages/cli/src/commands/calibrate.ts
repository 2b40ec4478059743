import { registerInternVLAdapters } from '@d2pruner/adapter-internvl';
import { registerLlavaAdapters } from '@d2pruner/adapter-llava';
import { InvalidArgumentError, gridLayout } from '@d2pruner/core';
import { priorFileBytes } from '@d2pruner/pipeline';
import { calibrateFiles } from '@d2pruner/pipeline/node';
import { defineCommand } from '../cli/command.js';
import { GRID_OPTION, MODEL_ID_OPTION, WORKERS_OPTION } from '../cli/common-options.js';
import { writeOutputFile } from '../load.js';
import { checkModelLayer, checkRecordedModelLayer } from '../model-layer.js';
import { oneLine } from '../one-line.js';
import { checkOutputPath } from '../output-path.js';
import { progressLine } from '../progress.js';
import { resolveWorkers, withWorkerPool } from '../workers.js';

/**
 * `d2pruner calibrate FILES… --out prior.safetensors [--model ID --layer K] [--grid RxC] [--workers N]`:
 * streaming mean of `attention` per position over inputs with the same layout (the first usable
 * input's), on the calibration pipeline; the files are read and decoded on `--workers` threads
 * (default one per core, 0 = main thread). Inputs with another layout or without attention are
 * reported on stderr and not averaged in, as are inputs that record another `d2pruner.model` than
 * `--model` (else the first averaged input's) or another `d2pruner.layer` than `--layer` (else the
 * first averaged input's); the prior records that model and layer. `--model` must be a registered adapter, recorded
 * by its id, and `--layer` an integer in its range (without `--model`, in the range of the model the
 * averaged inputs record, when an adapter knows it: checked before the prior is written); inputs with no tokens are skipped by the calibration pipeline (their prior could not be read back).
 */
export const calibrateCommand = defineCommand({
  name: 'calibrate',
  summary: 'Average attention per position over token files into a positional prior (for --prior).',
  usage: ['calibrate FILE… --out prior.safetensors [--model ID --layer K] [--grid RxC] [--workers N]'],
  positionals: 'FILE…',
  options: {
    out: { type: 'string', valueName: 'FILE', description: 'the prior file to write (required)' },
    model: { ...MODEL_ID_OPTION, description: 'model id recorded in the prior' },
    layer: { type: 'number', valueName: 'K', description: "layer the attention was taken at, recorded in the prior (default: the inputs' d2pruner.layer; inputs recording another are skipped): an integer ≥ 0, at most the --model's layer count" },
    grid: GRID_OPTION,
    workers: WORKERS_OPTION,
  },
  examples: ['calibrate scene*.safetensors --out prior.safetensors --model llava-1.5-7b --layer 2'],
  async run({ values, positionals: files }, io) {
    const out = values.out;
    if (!out) throw new InvalidArgumentError('out', 'calibrate needs --out prior.safetensors');
    if (files.length === 0) throw new InvalidArgumentError('FILE', 'calibrate needs at least one token file');
    // the prior records the adapter's id (docs/formats.md §1), not the alias or case typed
    const model = checkModelLayer(values.model, values.layer)?.id;
    // inputs' d2pruner.model compare through the registered adapters' aliases
    registerLlavaAdapters();
    registerInternVLAdapters();
    await checkOutputPath(out, 'out', files);
    const grid = values.grid;
    const workers = resolveWorkers(values.workers, undefined);
    const progress = progressLine(io.err, 'calibrate', io.isTTY);
    const result = await withWorkerPool(workers, (pool) => calibrateFiles(files, {
      pool,
      model,
      layer: values.layer,
      layout: grid ? gridLayout(grid[0], grid[1]) : undefined,
      onSkip: (s) => progress.message(`calibrate: skipped ${oneLine(s.path ?? `input ${s.index}`)}: [${s.error.code}] ${oneLine(s.error.field)}: ${oneLine(s.error.message)}\n`),
      onProgress: progress.onProgress,
    }));
    // without --model, the model is known once the inputs are read: --layer is checked against it before the prior is written
    if (values.model === undefined) checkRecordedModelLayer(result.model, values.layer);
    await writeOutputFile(io, out, priorFileBytes(result));
    io.err(`calibrate: averaged ${result.samples} inputs (${result.skipped.length} skipped) → ${out}\n`);
    return 0;
  },
});
