import { MissingTensorError, gridLayout, readSafetensors, tokenInputFromSafetensors, validateTokenInput, type TokenInput } from '@d2pruner/core';
import type { CliIo } from './io.js';

/** How the CLI completes an input that carries no layout, or overrides its prior. */
export interface LoadOptions {
  /** `--grid RxC`: a single rows×cols frame. */
  grid?: [number, number];
  /** A prior vector from `--prior FILE` (a calibrate output). */
  prior?: Float32Array;
}

/** Reads a token file (safetensors, formats.md §1) into a validated TokenInput. */
export async function loadTokenFile(io: CliIo, path: string, options: LoadOptions = {}): Promise<TokenInput> {
  const input = tokenInputFromSafetensors(readSafetensors(await io.readFile(path)));
  if (options.grid && !input.layout) input.layout = gridLayout(options.grid[0], options.grid[1]);
  if (options.prior) input.prior = options.prior;
  validateTokenInput(input);
  return input;
}

/** Reads the `prior` tensor of a prior file written by `d2pruner calibrate`. */
export async function loadPriorFile(io: CliIo, path: string): Promise<Float32Array> {
  const file = readSafetensors(await io.readFile(path));
  const t = file.get('prior');
  if (!t) throw new MissingTensorError('prior', `prior file ${path}`);
  return t.data;
}
