import { InvalidArgumentError, flopsJson, parseImageSize } from '@d2pruner/core';
import { adapterById, layoutOptions } from '../adapters.js';
import { ADAPTER_FLAGS, withFlagNames } from '../flag-fields.js';
import { defineCommand } from '../cli/command.js';
import { JSON_OPTION, MAX_TILES_OPTION, MODEL_ID_OPTION } from '../cli/common-options.js';

function pct(x: number): string {
  return `${(100 * x).toFixed(1)}%`;
}

/**
 * `d2pruner flops --model ID --keep N [--visual V | --image WxH [--max-tiles M]] [--layer K]
 * [--text T] [--formula fastv|exact] [--json]`: prefill cost before and after pruning.
 */
export const flopsCommand = defineCommand({
  name: 'flops',
  summary: 'Prefill cost of a model before and after pruning to a budget.',
  usage: ['flops --model ID --keep N [--visual V | --image WxH [--max-tiles M]] [--layer K] [--text T] [--formula fastv|exact] [--json]'],
  options: {
    model: MODEL_ID_OPTION,
    keep: { type: 'number', valueName: 'N', description: 'visual tokens kept (required)' },
    visual: { type: 'number', valueName: 'V', description: 'visual tokens before pruning (or give --image)' },
    image: { type: 'string', valueName: 'WxH', description: 'image size; the model adapter derives the visual tokens' },
    'max-tiles': MAX_TILES_OPTION,
    layer: { type: 'number', valueName: 'K', defaultNote: "the model's pruning layer", description: 'layer after which the tokens are dropped' },
    text: { type: 'number', valueName: 'T', defaultNote: "the model's typical prompt", description: 'other (text) tokens in the prefill' },
    formula: { type: 'string', choices: ['fastv', 'exact'], default: 'fastv', description: 'FastV per-layer formula or exact per-layer MACs' },
    json: JSON_OPTION,
  },
  examples: ['flops --model llava-1.5-7b --keep 64 --visual 576 --layer 2', 'flops --model internvl-2.5-8b --keep 179 --image 640x480 --max-tiles 6'],
  async run({ values }, io) {
    const model = values.model;
    if (!model) throw new InvalidArgumentError('model', 'flops needs --model ID');
    const keep = values.keep;
    if (keep === undefined) throw new InvalidArgumentError('keep', 'flops needs --keep N');
    if (values.visual !== undefined && values.image !== undefined) throw new InvalidArgumentError('image', '--visual V and --image WxH are alternatives: give the token count or the image size, not both');
    if (values['max-tiles'] !== undefined && values.image === undefined) {
      throw new InvalidArgumentError('max-tiles', '--max-tiles M only applies with --image WxH (it changes how the image is tiled); with --visual V give the token count it yields');
    }
    const formula = values.formula as 'fastv' | 'exact';
    const adapter = adapterById(model);
    const image = values.image ? parseImageSize(values.image) : undefined;
    const report = withFlagNames(ADAPTER_FLAGS, () =>
      flopsJson(adapter, { keep, visual: values.visual, image, layoutOptions: layoutOptions(values['max-tiles']), layer: values.layer, text: values.text, formula }),
    );
    if (values.json) {
      await io.out(JSON.stringify(report) + '\n');
      return 0;
    }
    await io.out(
      `${report.model}: ${report.visual} → ${report.keep} visual tokens at layer ${report.layer} with ${report.text} other tokens (${formula} formula)\n` +
        `  prefill ${(report.full.macs / 1e12).toFixed(3)} → ${(report.pruned.macs / 1e12).toFixed(3)} TMAC, ${pct(report.reduction)} less\n`,
    );
    return 0;
  },
});
