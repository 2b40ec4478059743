import { InvalidArgumentError, layoutReportJson, parseImageSize } from '@d2pruner/core';
import { adapterLayout } from '../adapters.js';
import { defineCommand } from '../cli/command.js';
import { JSON_OPTION, MAX_TILES_OPTION, MODEL_ID_OPTION } from '../cli/common-options.js';

/** `d2pruner layout --model ID --image WxH [--max-tiles M] [--json]`: the visual tokens an image becomes. */
export const layoutCommand = defineCommand({
  name: 'layout',
  summary: 'The visual tokens an image of a given size becomes for a model (frames, candidates).',
  usage: ['layout --model ID --image WxH [--max-tiles M] [--json]'],
  options: {
    model: MODEL_ID_OPTION,
    image: { type: 'string', valueName: 'WxH', description: 'image size in pixels (required)' },
    'max-tiles': MAX_TILES_OPTION,
    json: JSON_OPTION,
  },
  examples: ['layout --model internvl-2.5-8b --image 640x480 --max-tiles 6'],
  async run({ values }, io) {
    const { model, image } = values;
    if (!model) throw new InvalidArgumentError('model', 'layout needs --model ID');
    if (!image) throw new InvalidArgumentError('image', 'layout needs --image WxH');
    const report = layoutReportJson(adapterLayout(model, parseImageSize(image), values['max-tiles']));
    if (values.json) {
      await io.out(JSON.stringify(report) + '\n');
      return 0;
    }
    const frames = report.frames.map((f, i) => `frame ${i}: ${f.rows}×${f.cols}`).join(', ');
    await io.out(`${report.model} ${image}: ${report.tokens} visual tokens, ${report.candidates} prunable (${frames})\n`);
    return 0;
  },
});
