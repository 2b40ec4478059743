import { InvalidArgumentError, InvalidInputError, ShapeMismatchError } from './errors.js';
import type { Layout } from './layout.js';
import { parseLayout, validateLayout } from './layout.js';
import { parseRecordedLayer } from './prior-key.js';
import type { SafetensorsFile } from './safetensors/read.js';
import type { Matrix, Tensor } from './tensor.js';
import { asMatrix, assertMatrix, vectorOrHeadMean } from './tensor.js';

/** Names of the tensors a pruning input may carry (docs/formats.md §1). */
export type TensorName =
  | 'features'
  | 'attention'
  | 'prior'
  | 'clsAttention'
  | 'keys'
  | 'textFeatures'
  | 'textKeys'
  | 'imageEmbeds'
  | 'textEmbeds';

/** Every tensor name, in the order docs/formats.md lists them. */
export const TENSOR_NAMES: readonly TensorName[] = [
  'features',
  'attention',
  'prior',
  'clsAttention',
  'keys',
  'textFeatures',
  'textKeys',
  'imageEmbeds',
  'textEmbeds',
];

/** The vector tensors [N] among {@link TensorName}. */
const VECTOR_TENSORS: readonly TensorName[] = ['attention', 'prior', 'clsAttention'];

/** The matrix-shaped tensors among {@link TensorName}. */
export const MATRIX_TENSORS: ReadonlySet<TensorName> = new Set(['features', 'keys', 'textFeatures', 'textKeys', 'imageEmbeds', 'textEmbeds']);

/**
 * One pruning input: the visual tokens of one image (or crop, or frame) with every signal a
 * method may use. Vectors are already reduced over heads.
 */
export interface TokenInput {
  /** Visual-token features H [N, D]. */
  features?: Matrix;
  /** Last-token → visual attention a [N] (head mean). */
  attention?: Float32Array;
  /** Positional prior b [N]. */
  prior?: Float32Array;
  /** Vision-tower CLS attention c [N]. */
  clsAttention?: Float32Array;
  /** Key vectors [N, Dk]. */
  keys?: Matrix;
  /** Text-token features [M, D]. */
  textFeatures?: Matrix;
  /** Text-token keys [M, Dk]. */
  textKeys?: Matrix;
  /** Per-token embeddings in the text space [N, De]. */
  imageEmbeds?: Matrix;
  /** Text embeddings in `imageEmbeds`' space [Mt, De]. */
  textEmbeds?: Matrix;
  /** Spatial layout of the N tokens. */
  layout?: Layout;
  /** Adapter id from `d2pruner.model`, when present. */
  model?: string;
  /** Layer K from `d2pruner.layer` (the layer whose input the tokens are), when present: an integer ≥ 0. */
  layer?: number;
  /** The file's remaining metadata. */
  metadata?: Record<string, string>;
}

/** Checks that `input` is an object (a {@link TokenInput}); INVALID_ARGUMENT naming `input` otherwise. */
export function assertTokenInput(input: unknown): asserts input is TokenInput {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new InvalidArgumentError('input', `the input must be an object of tensors (features, attention, …), got ${input === null ? 'null' : Array.isArray(input) ? 'an array' : typeof input}`);
  }
}

/**
 * The number of visual tokens N of an input: rows of `features`, else the length of
 * `attention`, `clsAttention` or the layout. Throws when the input carries none of them.
 */
export function tokenCount(input: TokenInput): number {
  assertTokenInput(input);
  if (input.features) return countOf('features', input.features.rows);
  if (input.attention) return countOf('attention', input.attention.length);
  if (input.clsAttention) return countOf('clsAttention', input.clsAttention.length);
  if (input.keys) return countOf('keys', input.keys.rows);
  if (input.layout) return countOf('layout', input.layout.frame?.length);
  throw new InvalidInputError('features', 'the input carries no visual tokens (no features, attention or layout)');
}

/** A token count read from `field`: an integer ≥ 0, else SHAPE_MISMATCH naming the field. */
function countOf(field: TensorName | 'layout', n: unknown): number {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) throw new ShapeMismatchError(field, `${field} gives ${String(n)} visual tokens; an integer ≥ 0 is needed`);
  return n;
}

/**
 * Checks that every matrix present is well formed (integer rows and cols, a Float32Array of
 * rows·cols values) and every vector a Float32Array, that every tensor agrees with N, that no
 * matrix has rows of width 0, and that the layout (when present) has exactly N tokens. Throws a
 * typed error naming the offending tensor.
 */
export function validateTokenInput(input: TokenInput): number {
  assertTokenInput(input);
  for (const name of MATRIX_TENSORS) if (input[name] !== undefined) assertMatrix(name, input[name]);
  for (const name of VECTOR_TENSORS) {
    const v = input[name] as unknown;
    if (v !== undefined && !(v instanceof Float32Array)) throw new ShapeMismatchError(name, `${name} must be a Float32Array [N]`);
  }
  const n = tokenCount(input);
  const rows: [TensorName, Matrix | undefined][] = [
    ['features', input.features],
    ['keys', input.keys],
    ['imageEmbeds', input.imageEmbeds],
  ];
  for (const [name, m] of rows) {
    if (m && m.rows !== n) throw new ShapeMismatchError(name, `${name} has ${m.rows} rows but there are ${n} visual tokens`);
  }
  for (const name of MATRIX_TENSORS) {
    const m = input[name] as Matrix | undefined;
    if (m && m.rows > 0 && m.cols === 0) throw new InvalidInputError(name, `${name} has ${m.rows} rows of width 0; a token needs at least one value`);
  }
  const vecs: [TensorName, Float32Array | undefined][] = [
    ['attention', input.attention],
    ['prior', input.prior],
    ['clsAttention', input.clsAttention],
  ];
  for (const [name, v] of vecs) {
    if (v && v.length !== n) throw new ShapeMismatchError(name, `${name} has ${v.length} entries but there are ${n} visual tokens`);
  }
  if (input.textKeys && input.textFeatures && input.textKeys.rows !== input.textFeatures.rows) {
    throw new ShapeMismatchError('textKeys', `textKeys has ${input.textKeys.rows} rows but textFeatures has ${input.textFeatures.rows}`);
  }
  if (input.layout) validateLayout(input.layout, n);
  const layer = input.layer as unknown;
  if (layer !== undefined && !(typeof layer === 'number' && Number.isSafeInteger(layer) && layer >= 0)) {
    throw new InvalidInputError('layer', `layer (d2pruner.layer) must be an integer ≥ 0, got ${String(layer)}`);
  }
  return n;
}

function matrixOf(t: Tensor | undefined, name: string): Matrix | undefined {
  return t ? asMatrix(t, name) : undefined;
}

function recordedLayerOrNone(text: string | undefined): number | undefined {
  try {
    return parseRecordedLayer(text);
  } catch {
    return undefined;
  }
}

/**
 * Builds a {@link TokenInput} from a parsed safetensors file (docs/formats.md §1): decodes the known
 * tensors, reduces [H, N] attention to [N], parses the `d2pruner.layout` metadata, reads
 * `d2pruner.model` and `d2pruner.layer` (an integer ≥ 0; empty or anything else means none)
 * into `model` and `layer`, and checks shapes. Values are not range-checked here; each method checks what it consumes.
 */
export function tokenInputFromSafetensors(file: SafetensorsFile): TokenInput {
  const input: TokenInput = { metadata: { ...file.metadata } };
  const vec = (name: 'attention' | 'prior' | 'clsAttention') => {
    const t = file.get(name);
    return t ? vectorOrHeadMean(t, name) : undefined;
  };
  input.features = matrixOf(file.get('features'), 'features');
  input.attention = vec('attention');
  const prior = file.get('prior');
  if (prior) {
    if (prior.shape.length !== 1) throw new ShapeMismatchError('prior', `prior must be [N], got shape [${prior.shape.join(', ')}]`);
    input.prior = prior.data;
  }
  input.clsAttention = vec('clsAttention');
  input.keys = matrixOf(file.get('keys'), 'keys');
  input.textFeatures = matrixOf(file.get('textFeatures'), 'textFeatures');
  input.textKeys = matrixOf(file.get('textKeys'), 'textKeys');
  input.imageEmbeds = matrixOf(file.get('imageEmbeds'), 'imageEmbeds');
  input.textEmbeds = matrixOf(file.get('textEmbeds'), 'textEmbeds');
  const layoutJson = file.metadata['d2pruner.layout'];
  if (layoutJson !== undefined) input.layout = parseLayout(layoutJson);
  if (file.metadata['d2pruner.model']) input.model = file.metadata['d2pruner.model'];
  // only used to match a prior: a value that is not a layer number (another tool's '-2' or
  // 'vision') counts as not recorded rather than making the file unreadable for every method
  input.layer = recordedLayerOrNone(file.metadata['d2pruner.layer']);
  for (const k of Object.keys(input) as (keyof TokenInput)[]) if (input[k] === undefined) delete input[k];
  validateTokenInput(input);
  return input;
}
