import {
  InvalidInputError,
  quoteValue,
  ShapeMismatchError,
  TENSOR_NAMES,
  parseLayout,
  vectorOrHeadMean,
  type Matrix,
  type TensorName,
  type TokenInput,
} from '@d2pruner/core';
import { checkShape, isMatrixTensor, type InputCaps } from './caps.js';

/** Keys of a JSON input besides the tensors. */
export const JSON_INPUT_KEYS: readonly string[] = ['layout', 'model'];

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function fillNumbers(field: string, src: readonly unknown[], out: Float32Array, at: number): void {
  for (let i = 0; i < src.length; i++) {
    const v = src[i];
    if (typeof v !== 'number') throw new InvalidInputError(field, `${field}[${i}] must be a number, got ${quoteValue(v)}`);
    out[at + i] = v;
  }
}

/**
 * A rank-2 tensor from JSON: an array of rows (`[[…], […]]`) or `{"rows","cols","data":[…]}`
 * (row-major). The shape is checked against the caps before anything is allocated.
 */
export function matrixFromJson(field: string, value: unknown, caps: InputCaps): Matrix {
  if (Array.isArray(value)) {
    const rows = value.length;
    const first: unknown = value[0];
    const cols = Array.isArray(first) ? first.length : 0;
    if (rows > 0 && !Array.isArray(first)) throw new InvalidInputError(field, `${field} must be an array of rows (arrays of numbers)`);
    checkShape(field, [rows, cols], caps);
    const data = new Float32Array(rows * cols);
    value.forEach((row: unknown, r: number) => {
      if (!Array.isArray(row)) throw new InvalidInputError(`${field}[${r}]`, `${field}[${r}] must be an array of numbers`);
      if (row.length !== cols) throw new ShapeMismatchError(field, `${field}[${r}] has ${row.length} values, row 0 has ${cols}`);
      fillNumbers(`${field}[${r}]`, row, data, r * cols);
    });
    return { rows, cols, data };
  }
  if (isRecord(value)) {
    const { rows, cols, data } = value;
    if (typeof rows !== 'number' || typeof cols !== 'number' || !Number.isSafeInteger(rows) || !Number.isSafeInteger(cols) || rows < 0 || cols < 0) {
      throw new InvalidInputError(field, `${field}.rows and ${field}.cols must be non-negative integers`);
    }
    if (!Array.isArray(data)) throw new InvalidInputError(`${field}.data`, `${field}.data must be an array of numbers`);
    checkShape(field, [rows, cols], caps);
    if (data.length !== rows * cols) throw new ShapeMismatchError(field, `${field} is ${rows}×${cols} = ${rows * cols} values but data has ${data.length}`);
    const out = new Float32Array(rows * cols);
    fillNumbers(`${field}.data`, data, out, 0);
    return { rows, cols, data: out };
  }
  throw new InvalidInputError(field, `${field} must be an array of rows or {"rows","cols","data"}`);
}

/** A vector over tokens from JSON: `[…]`, or `[[…], …]` per head (averaged, docs/formats.md §1). */
export function vectorFromJson(field: string, value: unknown, caps: InputCaps): Float32Array {
  if (!Array.isArray(value)) throw new InvalidInputError(field, `${field} must be an array of numbers (or of per-head arrays)`);
  if (value.length > 0 && Array.isArray(value[0])) {
    const m = matrixFromJson(field, value, caps);
    return vectorOrHeadMean({ shape: [m.rows, m.cols], data: m.data }, field);
  }
  checkShape(field, [value.length], caps);
  const out = new Float32Array(value.length);
  fillNumbers(field, value, out, 0);
  return out;
}

/**
 * Builds a {@link TokenInput} from a JSON object: any tensor of docs/formats.md §1 by name
 * (`features`, `attention`, `prior`, …), plus `layout` (the `d2pruner.layout` object or its JSON
 * text) and `model`. Keys in `ignore` (the request fields around the tensors) are skipped; any
 * other key is an error naming it.
 */
export function tokenInputFromJson(obj: Record<string, unknown>, caps: InputCaps, ignore: ReadonlySet<string> = new Set()): TokenInput {
  const input: TokenInput = {};
  const tensorNames = new Set<string>(TENSOR_NAMES);
  for (const [key, value] of Object.entries(obj)) {
    if (ignore.has(key) || value === undefined || value === null) continue;
    if (tensorNames.has(key)) {
      const name = key as TensorName;
      if (isMatrixTensor(name)) (input as Record<string, unknown>)[name] = matrixFromJson(name, value, caps);
      else (input as Record<string, unknown>)[name] = vectorFromJson(name, value, caps);
    } else if (key === 'layout') {
      input.layout = parseLayout(value);
    } else if (key === 'model') {
      if (typeof value !== 'string') throw new InvalidInputError('model', 'model must be an adapter id string');
      input.model = value;
    } else {
      const known = [...TENSOR_NAMES, ...JSON_INPUT_KEYS, ...ignore];
      throw new InvalidInputError(key, `unknown field '${key}'; fields: ${known.join(', ')}`);
    }
  }
  return input;
}
