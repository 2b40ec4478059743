import { InvalidArgumentError, MissingTensorError, defaultLayout, layoutSignature, layoutToJson, writeSafetensors, type Layout } from '@d2pruner/core';
import { PriorAccumulator } from '@d2pruner/scoring';
import { numberOption, pairOption, stringOption, type ParsedArgs } from '../args.js';
import type { CliIo } from '../io.js';
import { loadTokenFile } from '../load.js';

/**
 * `d2pruner calibrate FILES… --out prior.safetensors [--model ID --layer K] [--grid RxC]`:
 * streaming mean of `attention` per position over inputs with the same layout (the first
 * input's). Inputs with another layout are reported on stderr and not averaged in.
 */
export async function calibrateCommand(args: ParsedArgs, io: CliIo): Promise<number> {
  const files = args.positionals;
  const out = stringOption(args, 'out');
  if (!out) throw new InvalidArgumentError('out', 'calibrate needs --out prior.safetensors');
  if (files.length === 0) throw new InvalidArgumentError('FILE', 'calibrate needs at least one token file');
  const layer = numberOption(args, 'layer');
  const grid = pairOption(args, 'grid');
  const acc = new PriorAccumulator();
  let layout: Layout | undefined;
  let model = stringOption(args, 'model');
  let skipped = 0;
  for (let k = 0; k < files.length; k++) {
    const input = await loadTokenFile(io, files[k], { grid });
    if (!input.attention) throw new MissingTensorError('attention', `calibrate (${files[k]})`);
    const l = input.layout ?? defaultLayout(input.attention.length);
    if (!acc.accepts(l)) {
      skipped++;
      io.err(`calibrate: skipped ${files[k]}: layout ${layoutSignature(l)} differs from ${acc.layoutSignature}\n`);
      continue;
    }
    acc.add(input.attention, l);
    layout ??= l;
    model ??= input.model;
    if (io.isTTY) io.err(`\rcalibrate: ${k + 1}/${files.length}`);
  }
  const result = acc.result();
  const metadata: Record<string, string> = {
    'd2pruner.model': model ?? 'unknown',
    'd2pruner.layer': layer === undefined ? '' : String(layer),
    'd2pruner.layoutSignature': result.layoutSignature,
    'd2pruner.samples': String(result.samples),
  };
  if (layout) metadata['d2pruner.layout'] = JSON.stringify(layoutToJson(layout));
  await io.writeFile(out, writeSafetensors({ prior: { shape: [result.prior.length], data: result.prior } }, metadata));
  io.err(`${io.isTTY ? '\n' : ''}calibrate: averaged ${result.samples} inputs (${skipped} skipped) → ${out}\n`);
  return 0;
}
