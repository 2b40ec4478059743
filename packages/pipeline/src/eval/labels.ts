import { InvalidInputError, MissingTensorError, ShapeMismatchError, type SafetensorsFile } from '@d2pruner/core';

/** One labelled object of a scene (`d2pruner.objects`, docs/eval.md §1). */
export interface LabelledObject {
  /** Object id, as the `object` tensor uses it. */
  id: number;
  /** Box [x0, y0, x1, y1] in [0, 1] image coordinates (informative: the metrics use `object`). */
  box: [number, number, number, number];
}

/** The ground truth a labelled token file carries (docs/eval.md §1). */
export interface EvalLabels {
  /** Object id under each token, −1 for background [N]. */
  object: Int32Array;
  /** Id of the object the prompt refers to; absent: the file counts for object recall only. */
  referent?: number;
  /** The objects' boxes, when the file lists them. */
  objects?: LabelledObject[];
}

function parseReferent(text: string): number {
  const v: unknown = (() => {
    try {
      return JSON.parse(text);
    } catch {
      return undefined;
    }
  })();
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v >= MAX_OBJECT_ID) {
    throw new InvalidInputError('d2pruner.referent', `d2pruner.referent must be an object id, an integer in [0, ${MAX_OBJECT_ID}) (a JSON number), got '${text}'`);
  }
  return v;
}

function parseObjects(text: string): LabelledObject[] {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new InvalidInputError('d2pruner.objects', 'd2pruner.objects is not valid JSON');
  }
  if (!Array.isArray(v)) throw new InvalidInputError('d2pruner.objects', 'd2pruner.objects must be a JSON list of {"id","box"}');
  return v.map((o: unknown, k) => {
    const e = o as { id?: unknown; box?: unknown } | null;
    const box = e?.box;
    if (typeof e?.id !== 'number' || !Number.isInteger(e.id) || !Array.isArray(box) || box.length !== 4 || !box.every((x) => typeof x === 'number' && Number.isFinite(x))) {
      throw new InvalidInputError(`d2pruner.objects[${k}]`, 'each object needs an integer "id" and a "box" of four finite numbers');
    }
    return { id: e.id, box: box as [number, number, number, number] };
  });
}

/**
 * Object ids are below 2²⁴ = 16,777,216: the reader widens integer tensors to float32, which holds
 * every integer below it exactly; a larger id could arrive rounded onto its neighbour.
 */
export const MAX_OBJECT_ID = 2 ** 24;

/**
 * Checks an `object` vector: N entries, each an integer in [0, {@link MAX_OBJECT_ID}) or −1 for
 * background. Returns it as Int32Array. Typed errors name `object`.
 */
export function validateObjectLabels(values: ArrayLike<number>, n: number): Int32Array {
  if (values.length !== n) throw new ShapeMismatchError('object', `object has ${values.length} entries but there are ${n} visual tokens`);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (!Number.isInteger(v) || v < -1 || v >= MAX_OBJECT_ID) throw new InvalidInputError('object', `object[${i}] = ${v}: ids are integers in [0, ${MAX_OBJECT_ID}), or −1 for background`);
    out[i] = v;
  }
  return out;
}

/**
 * Reads the ground truth of a labelled token file (docs/eval.md §1): tensor `object` [N] and the
 * metadata `d2pruner.referent` and `d2pruner.objects`. A file without `object` is a
 * MISSING_TENSOR error naming it; malformed metadata is an INVALID_INPUT error naming the key.
 */
export function labelsFromSafetensors(file: SafetensorsFile, n: number): EvalLabels {
  const t = file.get('object');
  if (!t) throw new MissingTensorError('object', 'evaluation');
  if (t.shape.length !== 1) throw new ShapeMismatchError('object', `object must be [N], got shape [${t.shape.join(', ')}]`);
  const labels: EvalLabels = { object: validateObjectLabels(t.data, n) };
  const referent = file.metadata['d2pruner.referent'];
  if (referent !== undefined) labels.referent = parseReferent(referent);
  const objects = file.metadata['d2pruner.objects'];
  if (objects !== undefined) labels.objects = parseObjects(objects);
  return labels;
}
