import { InvalidArgumentError, InvalidInputError, defaultLayout, tokenCount, type Selection, type TokenInput } from '@d2pruner/core';
import { getMethod } from '@d2pruner/methods';
import { adapterLayout, applyAdapterLayout } from '../adapters.js';
import { defineCommand } from '../cli/command.js';
import { BACKEND_OPTION, BUDGET_OPTIONS, GRID_OPTION, MAX_TILES_OPTION, METHOD_OPTION, MODEL_ID_OPTION } from '../cli/common-options.js';
import type { CliIo } from '../io.js';
import { checkLayoutOption } from '../layout-conflict.js';
import { loadTokenFile, readInputFile, writeOutputFile } from '../load.js';
import { checkOutputPath } from '../output-path.js';
import { methodParamsFromArgs } from '../method-args.js';
import { stacked } from '../render/canvas.js';
import { decodeImage, renderOnImage } from '../render/image.js';
import { checkGridCanvas } from '../render/grid-size.js';
import { LEGEND_HEIGHT, legendStrip, legendText, legendWidth } from '../render/legend.js';
import { droppedColour, renderSelection } from '../render/overlay.js';
import { encodePng, type RgbaImage } from '../render/png.js';
import { requireSharp } from '../render/sharp.js';
import { executeRequest, type PruneRequest } from '../request.js';

/**
 * The selection drawn over the source image: the model adapter's layout for the image's size
 * (which must agree with the file's own layout, if any) maps each token to its image region.
 */
async function overImage(io: CliIo, file: string, loaded: TokenInput, imagePath: string, model: string | undefined, maxTiles: number | undefined, request: PruneRequest) {
  const id = model ?? loaded.model;
  if (!id) throw new InvalidArgumentError('model', 'render --image needs --model ID (e.g. llava-1.5-7b, internvl-2.5-8b) when the file names no model');
  const sharp = await requireSharp('render --image');
  const bytes = await readInputFile(io, imagePath, 'image');
  const source = await decodeImage(sharp, bytes).catch((e: unknown) => {
    throw new InvalidInputError('image', `${imagePath} is not an image sharp can decode (PNG, JPEG, …): ${e instanceof Error ? e.message : String(e)}`);
  });
  const tl = adapterLayout(id, { width: source.width, height: source.height }, maxTiles);
  checkLayoutOption(file, loaded, tl.layout, 'image');
  const { input, rows } = applyAdapterLayout(loaded, tl);
  const selection = await executeRequest(input, request);
  const image = renderOnImage(source, tl, selection, (k) => (rows ? rows[k] : tl.candidates[k]));
  return { selection, image };
}

/**
 * `d2pruner render FILE --method NAME --keep N --out overlay.png [--cell PX | --image IMG --model ID]`:
 * the kept tokens in the web app's colours (pivots orange, MIS picks blue, other kept green,
 * pruned dark) with a legend, drawn over the token grid or over the source image.
 */
export const renderCommand = defineCommand({
  name: 'render',
  summary: "Draw the tokens a method keeps, in the web app's colours with a legend, over the token grid or over the source image, as a PNG.",
  usage: [
    'render FILE [--method NAME] (--keep N | --ratio R) --out overlay.png [--cell PX] [--PARAM VALUE…]',
    'render FILE … --out overlay.png --image IMG --model ID [--max-tiles M]   over the source image (LLaVA-1.5 pad/resize, InternVL tiles)',
  ],
  positionals: 'FILE',
  methodParams: true,
  options: {
    method: METHOD_OPTION,
    ...BUDGET_OPTIONS,
    out: { type: 'string', valueName: 'FILE.png', description: 'the PNG to write (required)' },
    cell: { type: 'number', valueName: 'PX', default: 12, description: 'pixels per token cell on the token grid, 3 to 64; the image may have at most 2^26 pixels (a larger grid needs a smaller --cell)' },
    grid: GRID_OPTION,
    backend: BACKEND_OPTION,
    image: { type: 'string', valueName: 'IMG', description: 'draw over this source image (PNG or JPEG; needs the optional package sharp)' },
    model: { ...MODEL_ID_OPTION, description: 'model adapter whose preprocessing maps tokens to image regions (with --image)' },
    'max-tiles': MAX_TILES_OPTION,
  },
  examples: [
    'render fixtures/samples/llava-sample.safetensors --method d2pruner --keep 64 --out overlay.png',
    'render fixtures/samples/llava-sample.safetensors --keep 64 --out overlay.png --image photo.jpg --model llava-1.5-7b',
  ],
  async run({ values, positionals, given, params: flags }, io) {
    const [file, ...extra] = positionals;
    if (!file || extra.length) throw new InvalidArgumentError('FILE', 'render needs exactly one token file');
    const out = values.out;
    if (!out) throw new InvalidArgumentError('out', 'render needs --out overlay.png');
    const cell = values.cell;
    if (!Number.isInteger(cell) || cell < 3 || cell > 64) throw new InvalidArgumentError('cell', '--cell must be an integer in [3, 64]');
    const imageOnly = ['model', 'max-tiles'].find((o) => given.has(o));
    if (values.image === undefined && imageOnly) throw new InvalidArgumentError(imageOnly, `--${imageOnly} goes with --image IMG`);
    const method = getMethod(values.method);
    const request: PruneRequest = { method: method.name, keep: values.keep, ratio: values.ratio, params: methodParamsFromArgs(method, flags), backend: values.backend };
    await checkOutputPath(out, 'out', [file, values.image]);
    const loaded = await loadTokenFile(io, file, { grid: values.grid });
    let selection: Selection;
    let picture: RgbaImage;
    if (values.image !== undefined) {
      ({ selection, image: picture } = await overImage(io, file, loaded, values.image, values.model, values['max-tiles'], request));
    } else {
      const layout = loaded.layout ?? defaultLayout(tokenCount(loaded));
      checkGridCanvas(layout, cell, { width: await legendWidth(), height: LEGEND_HEIGHT }, values.grid ? 'grid' : 'layout');
      selection = await executeRequest(loaded, request);
      picture = renderSelection(layout, selection, loaded.attention, cell);
    }
    await writeOutputFile(io, out, encodePng(stacked(picture, await legendStrip(picture.width, droppedColour()))));
    io.err(`render: ${selection.method} kept ${selection.keep.length} of ${selection.n} tokens → ${out} (${legendText()})\n`);
    return 0;
  },
});
