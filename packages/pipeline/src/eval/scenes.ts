import { InvalidArgumentError, assertInteger, layoutToJson, uniformRng, writeSafetensors, type TokenInput } from '@d2pruner/core';
import type { EvalLabels, LabelledObject } from './labels.js';
import { sceneGeometry, type SceneGeometry } from './scene-layout.js';

/** Kinds of positional bias a synthetic scene's attention carries. */
export type SceneBias = 'bottom' | 'periphery' | 'none';

/** The kinds of {@link SceneBias}. */
export const SCENE_BIASES: readonly SceneBias[] = ['bottom', 'periphery', 'none'];

/** Options of {@link makeScene}. */
export interface SceneOptions {
  /** Layout name (see `sceneGeometry`; default `llava-1.5`). */
  layout?: string;
  /** Kind of positional bias (default `bottom`). */
  bias?: SceneBias;
  /** Strength s of the bias: attention × (1 + p)^s, p ∈ [0, 1] the biased coordinate (default 4). */
  strength?: number;
  /** Base seed, an integer in [0, 2³² − 1]; scene k uses seed·1_000_003 + k (default 1). */
  seed?: number;
  /** Feature width D (default 32). */
  dim?: number;
}

/** One labelled synthetic scene: the tokens and their ground truth. */
export interface Scene {
  /** Features [N, D], attention [N] and layout. */
  input: TokenInput & Required<Pick<TokenInput, 'features' | 'attention' | 'layout'>>;
  /** Object ids per token, the referent and the boxes. */
  labels: EvalLabels & { referent: number; objects: LabelledObject[] };
}

interface Blob {
  id: number;
  cx: number;
  cy: number;
  rx: number;
  ry: number;
}

/** Largest scene seed (2³² − 1): seed·1,000,003 + k stays exact, and the prior's seeds (seed + 7919) stay apart. */
export const MAX_SCENE_SEED = 2 ** 32 - 1;

/** The options with their defaults (an option given as `undefined` gets its default too), validated (typed errors name the option). */
export function resolveSceneOptions(options: SceneOptions): Required<SceneOptions> {
  const given = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as SceneOptions;
  const o = { layout: 'llava-1.5', bias: 'bottom' as SceneBias, strength: 4, seed: 1, dim: 32, ...given };
  if (!SCENE_BIASES.includes(o.bias)) throw new InvalidArgumentError('bias', `bias must be one of ${SCENE_BIASES.join(', ')}, got '${String(o.bias)}'`);
  if (!(Number.isFinite(o.strength) && o.strength >= 0 && o.strength <= 20)) throw new InvalidArgumentError('strength', `strength must be in [0, 20], got ${o.strength}`);
  assertInteger('seed', o.seed, 0);
  // scene k mixes seed·1,000,003 + k exactly only while that stays below 2^53
  if (o.seed > MAX_SCENE_SEED) throw new InvalidArgumentError('seed', `seed must be at most ${MAX_SCENE_SEED}, got ${o.seed}`);
  assertInteger('dim', o.dim, 2);
  if (o.dim > 4096) throw new InvalidArgumentError('dim', `dim must be ≤ 4096, got ${o.dim}`);
  return o;
}

/** The positional factor (1 + p)^s of a token at (x, y). */
function biasAt(bias: SceneBias, strength: number, x: number, y: number): number {
  if (bias === 'none') return 1;
  const p = bias === 'bottom' ? y : Math.min(1, Math.hypot(x - 0.5, y - 0.5) / Math.SQRT1_2);
  return (1 + p) ** strength;
}

function blobs(rand: () => number): Blob[] {
  const count = 3 + Math.floor(rand() * 4);
  return Array.from({ length: count }, (_, id) => {
    const rx = 0.07 + 0.08 * rand();
    const ry = rx * (0.7 + 0.6 * rand());
    return { id, rx, ry, cx: rx + (1 - 2 * rx) * rand(), cy: ry + (1 - 2 * ry) * rand() };
  });
}

/** The token whose centre is nearest (x, y); the lowest index among equals. */
function nearestToken(g: SceneGeometry, x: number, y: number): number {
  let best = 0;
  for (let i = 1; i < g.x.length; i++) if (Math.hypot(g.x[i] - x, g.y[i] - y) < Math.hypot(g.x[best] - x, g.y[best] - y)) best = i;
  return best;
}

function objectAt(list: readonly Blob[], x: number, y: number): number {
  let id = -1;
  for (const b of list) if (((x - b.cx) / b.rx) ** 2 + ((y - b.cy) / b.ry) ** 2 <= 1) id = b.id;
  return id;
}

/**
 * Scene `index` of a set (docs/eval.md §4): a few background regions of similar features (noise 0.3), 3–6
 * objects as compact elliptic blobs (each its own feature centre, a little more textured: noise 0.35), one of those present the referent, and
 * attention = content × positional bias × noise U(0.4, 1.6), with objects salient (×3.5) and the
 * referent boosted (×4.5); the bias is (1 + p)^strength, p ∈ [0, 1] the distance from the top
 * (`bottom`) or from the centre (`periphery`, relative to a corner's). Deterministic in (options, index); the same generator runs in Node and browsers.
 */
export function makeScene(options: SceneOptions, index: number, geometry?: SceneGeometry): Scene {
  const o = resolveSceneOptions(options);
  const g = geometry ?? sceneGeometry(o.layout);
  const rand = uniformRng((o.seed * 1_000_003 + index) >>> 0);
  const gauss = () => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
  const vector = () => Float64Array.from({ length: o.dim }, gauss);
  const n = g.x.length;
  const regions = Array.from({ length: 3 + Math.floor(rand() * 3) }, () => ({ x: rand(), y: rand(), centre: vector() }));
  const list = blobs(rand);
  const centres = list.map(() => vector());
  const object = Int32Array.from({ length: n }, (_, i) => objectAt(list, g.x[i], g.y[i]));
  // a small grid can miss every blob: the first then takes the token nearest its centre
  if (!list.some((b) => object.includes(b.id))) object[nearestToken(g, list[0].cx, list[0].cy)] = list[0].id;
  const present = list.filter((b) => object.includes(b.id));
  const referent = present[Math.floor(rand() * present.length)].id;
  const shared = vector();
  const features = new Float32Array(n * o.dim);
  const attention = new Float32Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const id = object[i];
    let region = regions[0];
    for (const r of regions) if (Math.hypot(g.x[i] - r.x, g.y[i] - r.y) < Math.hypot(g.x[i] - region.x, g.y[i] - region.y)) region = r;
    const centre = id >= 0 ? centres[id] : region.centre;
    for (let k = 0; k < o.dim; k++) features[i * o.dim + k] = 0.5 * shared[k] + centre[k] + (id >= 0 ? 0.35 : 0.3) * gauss();
    const content = id < 0 ? 1 : id === referent ? 4.5 : 3.5;
    attention[i] = content * biasAt(o.bias, o.strength, g.x[i], g.y[i]) * (0.4 + 1.2 * rand());
    total += attention[i];
  }
  for (let i = 0; i < n; i++) attention[i] /= total;
  const objects = present.map((b) => ({ id: b.id, box: [b.cx - b.rx, b.cy - b.ry, b.cx + b.rx, b.cy + b.ry].map((v) => Math.min(1, Math.max(0, v))) as LabelledObject['box'] }));
  return { input: { features: { rows: n, cols: o.dim, data: features }, attention, layout: g.layout }, labels: { object, referent, objects } };
}

/** The labelled token file of a scene (docs/formats.md §1 + docs/eval.md §1). */
export function sceneFileBytes(scene: Scene): Uint8Array {
  const { features, attention, layout } = scene.input;
  return writeSafetensors(
    {
      features: { shape: [features.rows, features.cols], data: features.data },
      attention: { shape: [attention.length], data: attention },
      object: { shape: [scene.labels.object.length], data: Float32Array.from(scene.labels.object) },
    },
    {
      'd2pruner.layout': JSON.stringify(layoutToJson(layout)),
      'd2pruner.objects': JSON.stringify(scene.labels.objects),
      'd2pruner.referent': String(scene.labels.referent),
    },
    { object: 'I32' },
  );
}

/** Scenes 0…count−1 of a set, lazily. */
export function* makeScenes(options: SceneOptions, count: number): Generator<Scene, void, undefined> {
  assertInteger('count', count, 1);
  const g = sceneGeometry(resolveSceneOptions(options).layout);
  for (let k = 0; k < count; k++) yield makeScene(options, k, g);
}

/**
 * The calibration set of a scene set: `count` scenes of the same layout, bias and strength on
 * seeds the set never uses (seed + 7919), whose mean attention per position is the set's prior.
 * The PRNG seeds are ((seed + 7919)·1,000,003 + k) mod 2³² for every seed up to
 * {@link MAX_SCENE_SEED}: the offset seed is taken mod 2³², which leaves them unchanged.
 */
export function calibrationScenes(options: SceneOptions, count = 64): Generator<Scene, void, undefined> {
  const o = resolveSceneOptions(options);
  // seed + 7919 may pass MAX_SCENE_SEED; (s mod 2³²)·1,000,003 + k ≡ s·1,000,003 + k (mod 2³²)
  return makeScenes({ ...o, seed: (o.seed + 7919) % 2 ** 32 }, count);
}
