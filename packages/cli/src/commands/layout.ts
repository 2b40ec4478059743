import { InvalidArgumentError, layoutReportJson, parseImageSize } from '@d2pruner/core';
import { adapterById, layoutOptionsFromArgs } from '../adapters.js';
import { stringOption, type ParsedArgs } from '../args.js';
import type { CliIo } from '../io.js';

/** `d2pruner layout --model ID --image WxH [--max-tiles M] [--json]`: the visual tokens an image becomes. */
export async function layoutCommand(args: ParsedArgs, io: CliIo): Promise<number> {
  const model = stringOption(args, 'model');
  const image = stringOption(args, 'image');
  if (!model) throw new InvalidArgumentError('model', 'layout needs --model ID');
  if (!image) throw new InvalidArgumentError('image', 'layout needs --image WxH');
  const tl = adapterById(model).layout(parseImageSize(image), layoutOptionsFromArgs(args));
  const report = layoutReportJson(tl);
  if (args.options.get('json') === true) {
    await io.out(JSON.stringify(report) + '\n');
    return 0;
  }
  const frames = report.frames.map((f, i) => `frame ${i}: ${f.rows}×${f.cols}`).join(', ');
  await io.out(`${report.model} ${image}: ${report.tokens} visual tokens, ${report.candidates} prunable (${frames})\n`);
  return 0;
}
