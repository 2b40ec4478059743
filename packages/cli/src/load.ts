import {
  InvalidArgumentError,
  InvalidInputError,
  D2PrunerError,
  ShapeMismatchError,
  isD2PrunerError,
  gridLayout,
  priorKeyFromMetadata,
  readSafetensors,
  tokenCount,
  tokenInputFromSafetensors,
  validateTokenInput,
  type Layout,
  type TokenInput,
} from '@d2pruner/core';
import { registerBuiltinAdapters } from './adapters.js';
import type { CliIo } from './io.js';
import { checkLayoutOption } from './layout-conflict.js';
import { cannotWriteError, writeFailure } from './output-path.js';

/** How the CLI completes an input that carries no layout, or overrides its prior. */
export interface LoadOptions {
  /** `--grid RxC`: a single rows×cols frame for a file without a layout (one that contradicts the file's own is an error). */
  grid?: [number, number];
  /** A prior vector from `--prior FILE` (a calibrate output). */
  prior?: Float32Array;
}

/**
 * Reads a whole file; a missing or unreadable file, or one that is not a regular file (a
 * directory, a FIFO, `/dev/zero`) or over the size cap, is a typed error naming `field`.
 */
export async function readInputFile(io: CliIo, path: string, field = 'input'): Promise<Uint8Array> {
  try {
    return await io.readFile(path, field);
  } catch (e) {
    if (isD2PrunerError(e)) throw e;
    const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
    throw new InvalidInputError(field, `cannot read ${path} (${code})`);
  }
}

/** Writes a whole output file; a path that cannot be written is `INVALID_ARGUMENT` naming `field`. */
export async function writeOutputFile(io: CliIo, path: string, data: Uint8Array, field = 'out'): Promise<void> {
  try {
    await io.writeFile(path, data);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException | null)?.code;
    throw cannotWriteError(field, path, writeFailure(code) ?? code ?? (e instanceof Error ? e.message : String(e)));
  }
}

/** The `--grid RxC` layout for a file without one: a typed error naming `grid` when its cells are not the file's tokens. */
function gridFor(path: string, input: TokenInput, grid: Layout): Layout {
  const [{ rows, cols }] = grid.frames;
  const n = tokenCount(input);
  if (rows * cols !== n) throw new InvalidArgumentError('grid', `--grid ${rows}x${cols} has ${rows * cols} cells but ${path} has ${n} visual tokens`);
  return grid;
}

/** Reads a token file (safetensors, docs/formats.md §1) into a validated TokenInput. */
export async function loadTokenFile(io: CliIo, path: string, options: LoadOptions = {}): Promise<TokenInput> {
  const input = tokenInputFromSafetensors(readSafetensors(await readInputFile(io, path)));
  if (options.grid) {
    const grid = gridLayout(options.grid[0], options.grid[1]);
    if (input.layout) checkLayoutOption(path, input, grid, 'grid');
    else input.layout = gridFor(path, input, grid);
  }
  if (options.prior) input.prior = options.prior;
  validateTokenInput(input);
  return input;
}

/** A prior file from `--prior FILE`: the vector and the key (model, layer, layout) it was calibrated on. */
export interface PriorFile {
  /** The `prior` tensor, [N]. */
  prior: Float32Array;
  /**
   * The file's `d2pruner.layoutSignature` (written by `d2pruner calibrate`): the layout the prior
   * belongs to (docs/algorithm.md §6); undefined when the file records none (no layout check).
   */
  layoutSignature?: string;
  /** The file's `d2pruner.model`; undefined when it records none (empty, or `unknown`): no model check. */
  model?: string;
  /** The file's `d2pruner.layer`; undefined when it records none (empty): no layer check. */
  layer?: number;
}

/**
 * Reads a prior file written by `d2pruner calibrate`: its `prior` tensor, which must be a vector
 * (`SHAPE_MISMATCH` naming `prior` otherwise, as for a token file's own prior), and the model,
 * layer and layout signature it records (a `d2pruner.layer` that is not an integer ≥ 0 is
 * `INVALID_INPUT` naming `prior`).
 */
export async function loadPriorFile(io: CliIo, path: string): Promise<PriorFile> {
  const file = readSafetensors(await readInputFile(io, path, 'prior'));
  const t = file.get('prior');
  if (!t) throw new D2PrunerError('MISSING_TENSOR', 'prior', `the prior file ${path} holds no 'prior' tensor (d2pruner calibrate writes one)`);
  if (t.shape.length !== 1) throw new ShapeMismatchError('prior', `prior must be [N], got shape [${t.shape.join(', ')}] in ${path}`);
  const { model, layer, layoutSignature } = priorKeyFromMetadata(file.metadata);
  // the recorded models compare through the adapters' aliases (docs/algorithm.md §6)
  if (model !== undefined) registerBuiltinAdapters();
  return { prior: t.data, layoutSignature, model, layer };
}
