import { InvalidArgumentError, gridLayout } from '@d2pruner/core';
import { priorFileBytes } from '@d2pruner/pipeline';
import { calibrateFiles } from '@d2pruner/pipeline/node';
import { numberOption, pairOption, stringOption, type ParsedArgs } from '../args.js';
import type { CliIo } from '../io.js';
import { writeOutputFile } from '../load.js';
import { progressRenderer } from '../progress.js';

/**
 * `d2pruner calibrate FILES… --out prior.safetensors [--model ID --layer K] [--grid RxC]`:
 * streaming mean of `attention` per position over inputs with the same layout (the first usable
 * input's), on the calibration pipeline. Inputs with another layout or without attention are
 * reported on stderr and not averaged in.
 */
export async function calibrateCommand(args: ParsedArgs, io: CliIo): Promise<number> {
  const files = args.positionals;
  const out = stringOption(args, 'out');
  if (!out) throw new InvalidArgumentError('out', 'calibrate needs --out prior.safetensors');
  if (files.length === 0) throw new InvalidArgumentError('FILE', 'calibrate needs at least one token file');
  const grid = pairOption(args, 'grid');
  const result = await calibrateFiles(files, {
    model: stringOption(args, 'model'),
    layer: numberOption(args, 'layer'),
    layout: grid ? gridLayout(grid[0], grid[1]) : undefined,
    onSkip: (s) => io.err(`calibrate: skipped ${s.path ?? `input ${s.index}`}: [${s.error.code}] ${s.error.field}: ${s.error.message}\n`),
    onProgress: io.isTTY ? progressRenderer(io.err, 'calibrate') : undefined,
  });
  await writeOutputFile(io, out, priorFileBytes(result));
  io.err(`calibrate: averaged ${result.samples} inputs (${result.skipped.length} skipped) → ${out}\n`);
  return 0;
}
