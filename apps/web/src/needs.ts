import { TENSOR_NAMES, type TensorName, type TokenInput } from '@d2pruner/core';
import { getMethod } from '@d2pruner/methods';

/** The tensors a method needs that an input lacks, and the tensors the input has. */
export interface TensorNeeds {
  missing: TensorName[];
  present: TensorName[];
}

/** What `method` reads (its `requires`) that `input` does not carry. */
export function tensorNeeds(method: string, input: TokenInput): TensorNeeds {
  const present = TENSOR_NAMES.filter((t) => input[t] !== undefined);
  return { missing: getMethod(method).requires.filter((t) => input[t] === undefined), present };
}

/** One sentence for a card: which tensors the method needs and which the file has. */
export function describeNeeds(method: string, file: string, needs: TensorNeeds): string {
  return `${method} needs ${needs.missing.join(', ')}, which ${file} lacks (it has ${needs.present.join(', ') || 'no tensors'}); see docs/formats.md`;
}
