import { InvalidArgumentError, defaultLayout, tokenCount } from '@d2pruner/core';
import { getMethod } from '@d2pruner/methods';
import { numberOption, pairOption, stringOption, type ParsedArgs } from '../args.js';
import type { CliIo } from '../io.js';
import { writeOutputFile } from '../load.js';
import { loadTokenFile } from '../load.js';
import { methodParamsFromArgs } from '../method-args.js';
import { renderSelection } from '../render/overlay.js';
import { encodePng } from '../render/png.js';
import { executeRequest } from '../request.js';

/** Options of `render` that are not method parameters. */
const RENDER_OPTIONS: ReadonlySet<string> = new Set(['method', 'keep', 'ratio', 'backend', 'out', 'grid', 'image', 'cell']);

/**
 * `d2pruner render FILE --method NAME --keep N --out overlay.png [--cell PX]`: the kept tokens
 * drawn over the token grid (pivots red, MIS picks blue, other kept green, dropped tokens shaded
 * by attention). Drawing over the source image (`--image`) is not supported yet: a typed error.
 */
export async function renderCommand(args: ParsedArgs, io: CliIo): Promise<number> {
  const [file, ...extra] = args.positionals;
  if (!file || extra.length) throw new InvalidArgumentError('FILE', 'render needs exactly one token file');
  const out = stringOption(args, 'out');
  if (!out) throw new InvalidArgumentError('out', 'render needs --out overlay.png');
  if (args.options.has('image')) throw new InvalidArgumentError('image', 'drawing over the source image is not supported yet; omit --image to draw over the token grid');
  const cell = numberOption(args, 'cell') ?? 12;
  if (!Number.isInteger(cell) || cell < 3 || cell > 64) throw new InvalidArgumentError('cell', '--cell must be an integer in [3, 64]');
  const method = getMethod(stringOption(args, 'method') ?? 'd2pruner');
  const params = methodParamsFromArgs(method, args, RENDER_OPTIONS);
  const grid = pairOption(args, 'grid');
  const input = await loadTokenFile(io, file, { grid });
  const layout = input.layout ?? defaultLayout(tokenCount(input));
  const selection = await executeRequest(input, {
    method: method.name,
    keep: numberOption(args, 'keep'),
    ratio: numberOption(args, 'ratio'),
    params,
    backend: stringOption(args, 'backend'),
  });
  await writeOutputFile(io, out, encodePng(renderSelection(layout, selection, input.attention, cell)));
  io.err(`render: ${selection.method} kept ${selection.keep.length} of ${selection.n} tokens → ${out}\n`);
  return 0;
}
