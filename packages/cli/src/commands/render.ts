import { InvalidArgumentError, defaultLayout, tokenCount } from '@d2pruner/core';
import { getMethod } from '@d2pruner/methods';
import { defineCommand } from '../cli/command.js';
import { BACKEND_OPTION, BUDGET_OPTIONS, GRID_OPTION, METHOD_OPTION } from '../cli/common-options.js';
import { loadTokenFile } from '../load.js';
import { methodParamsFromArgs } from '../method-args.js';
import { renderSelection } from '../render/overlay.js';
import { encodePng } from '../render/png.js';
import { executeRequest } from '../request.js';

/**
 * `d2pruner render FILE --method NAME --keep N --out overlay.png [--cell PX]`: the kept tokens
 * drawn over the token grid (pivots red, MIS picks blue, other kept green, dropped tokens shaded
 * by attention).
 */
export const renderCommand = defineCommand({
  name: 'render',
  summary: 'Draw the tokens a method keeps over the token grid as a PNG.',
  usage: ['render FILE [--method NAME] (--keep N | --ratio R) --out overlay.png [--cell PX] [--PARAM VALUE…]'],
  positionals: 'FILE',
  methodParams: true,
  options: {
    method: METHOD_OPTION,
    ...BUDGET_OPTIONS,
    out: { type: 'string', valueName: 'FILE.png', description: 'the PNG to write (required)' },
    cell: { type: 'number', valueName: 'PX', default: 12, description: 'pixels per token cell, 3 to 64' },
    grid: GRID_OPTION,
    backend: BACKEND_OPTION,
    image: { type: 'string', valueName: 'IMG', description: 'draw over the source image (not supported yet)' },
  },
  examples: ['render fixtures/samples/llava-sample.safetensors --method d2pruner --keep 64 --out overlay.png'],
  async run({ values, positionals, params: flags }, io) {
    const [file, ...extra] = positionals;
    if (!file || extra.length) throw new InvalidArgumentError('FILE', 'render needs exactly one token file');
    const out = values.out;
    if (!out) throw new InvalidArgumentError('out', 'render needs --out overlay.png');
    if (values.image !== undefined) throw new InvalidArgumentError('image', 'drawing over the source image is not supported yet; omit --image to draw over the token grid');
    const cell = values.cell;
    if (!Number.isInteger(cell) || cell < 3 || cell > 64) throw new InvalidArgumentError('cell', '--cell must be an integer in [3, 64]');
    const method = getMethod(values.method);
    const params = methodParamsFromArgs(method, flags);
    const input = await loadTokenFile(io, file, { grid: values.grid });
    const layout = input.layout ?? defaultLayout(tokenCount(input));
    const selection = await executeRequest(input, { method: method.name, keep: values.keep, ratio: values.ratio, params, backend: values.backend });
    await io.writeFile(out, encodePng(renderSelection(layout, selection, input.attention, cell)));
    io.err(`render: ${selection.method} kept ${selection.keep.length} of ${selection.n} tokens → ${out}\n`);
    return 0;
  },
});
