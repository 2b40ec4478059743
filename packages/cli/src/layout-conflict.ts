import { InvalidArgumentError, describeLayout, layoutSignature, type Layout, type TokenInput } from '@d2pruner/core';

/**
 * A file's own layout describes its tokens, so it wins; a layout option (`--grid`, `--model` with
 * `--image`) that says otherwise is refused with a typed error naming the option rather than
 * silently ignored. An option that agrees with the file is accepted.
 */
export function checkLayoutOption(file: string, input: TokenInput, given: Layout, option: string): void {
  if (!input.layout || layoutSignature(input.layout) === layoutSignature(given)) return;
  throw new InvalidArgumentError(
    option,
    `${file} carries its own layout (${describeLayout(input.layout)}) and --${option} gives another (${describeLayout(given)}); the file's layout is the one its tokens have: drop --${option}, or use it only for files without a layout`,
  );
}
