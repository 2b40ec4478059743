import { InvalidArgumentError, flopsJson, parseImageSize } from '@d2pruner/core';
import { adapterById, layoutOptionsFromArgs } from '../adapters.js';
import { numberOption, stringOption, type ParsedArgs } from '../args.js';
import type { CliIo } from '../io.js';

function pct(x: number): string {
  return `${(100 * x).toFixed(1)}%`;
}

/**
 * `d2pruner flops --model ID --keep N [--visual V | --image WxH [--max-tiles M]] [--layer K]
 * [--text T] [--formula fastv|exact] [--json]`: prefill cost before and after pruning.
 */
export async function flopsCommand(args: ParsedArgs, io: CliIo): Promise<number> {
  const model = stringOption(args, 'model');
  if (!model) throw new InvalidArgumentError('model', 'flops needs --model ID');
  const keep = numberOption(args, 'keep');
  if (keep === undefined) throw new InvalidArgumentError('keep', 'flops needs --keep N');
  const image = stringOption(args, 'image');
  const formula = stringOption(args, 'formula') ?? 'fastv';
  if (formula !== 'fastv' && formula !== 'exact') throw new InvalidArgumentError('formula', `--formula must be fastv or exact, got '${formula}'`);
  const adapter = adapterById(model);
  const report = flopsJson(adapter, {
    keep,
    visual: numberOption(args, 'visual'),
    image: image ? parseImageSize(image) : undefined,
    layoutOptions: layoutOptionsFromArgs(args),
    layer: numberOption(args, 'layer'),
    text: numberOption(args, 'text'),
    formula,
  });
  if (args.options.get('json') === true) {
    await io.out(JSON.stringify(report) + '\n');
    return 0;
  }
  await io.out(
    `${report.model}: ${report.visual} → ${report.keep} visual tokens at layer ${report.layer} with ${report.text} other tokens (${formula} formula)\n` +
      `  prefill ${(report.full.macs / 1e12).toFixed(3)} → ${(report.pruned.macs / 1e12).toFixed(3)} TMAC, ${pct(report.reduction)} less\n`,
  );
  return 0;
}
