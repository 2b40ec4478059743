import { uniformRng } from '@d2pruner/core';

// Synthetic scenes of real sizes for the benchmarks: tokens on a layout, features made of a
// shared component + a region centre + noise (so that neighbours and same-object tokens are
// similar, as hidden states are), attention = positional ramp × content peaks, prior = the ramp.

/** A small deterministic PRNG (mulberry32) returning floats in [0, 1). */
export const rng = uniformRng;

/** A layout of `tiles` = [tileRows, tileCols] tiles of `side`² tokens on one canvas, plus an optional thumbnail frame. */
export function tiledLayout(tileRows, tileCols, side, thumbnail) {
  const rows = tileRows * side;
  const cols = tileCols * side;
  const frames = [{ rows, cols }];
  const frame = [];
  const row = [];
  const col = [];
  for (let tr = 0; tr < tileRows; tr++)
    for (let tc = 0; tc < tileCols; tc++)
      for (let r = 0; r < side; r++)
        for (let c = 0; c < side; c++) {
          frame.push(0);
          row.push(tr * side + r);
          col.push(tc * side + c);
        }
  if (thumbnail) {
    frames.push({ rows: side, cols: side });
    for (let r = 0; r < side; r++)
      for (let c = 0; c < side; c++) {
        frame.push(1);
        row.push(r);
        col.push(c);
      }
  }
  return { frames, frame: Int32Array.from(frame), row: Int32Array.from(row), col: Int32Array.from(col) };
}

/**
 * A TokenInput-shaped scene. Regions: the canvas is cut into blocks of `block`×`block` cells,
 * each with its own centre; `objects` random blocks get an attention boost.
 */
export function scene({ layout, d, seed = 1, block = 4, objects = 6 }) {
  const rand = rng(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
  const n = layout.frame.length;
  const shared = Float32Array.from({ length: d }, gauss);
  const centres = new Map();
  const centre = (key) => {
    let c = centres.get(key);
    if (!c) {
      c = Float32Array.from({ length: d }, gauss);
      centres.set(key, c);
    }
    return c;
  };
  const features = new Float32Array(n * d);
  const blockOf = (i) => `${layout.frame[i]}:${Math.floor(layout.row[i] / block)}:${Math.floor(layout.col[i] / block)}`;
  for (let i = 0; i < n; i++) {
    const c = centre(blockOf(i));
    const o = i * d;
    for (let k = 0; k < d; k++) features[o + k] = 0.6 * shared[k] + 0.9 * c[k] + 0.45 * gauss();
  }
  const keys = [...centres.keys()];
  const hot = new Set(Array.from({ length: objects }, () => keys[Math.floor(rand() * keys.length)]));
  const prior = new Float32Array(n);
  const attention = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const ramp = Math.exp((3 * i) / n) / n;
    prior[i] = ramp;
    attention[i] = ramp * (hot.has(blockOf(i)) ? 4 : 1) * (0.5 + rand());
  }
  return { features: { rows: n, cols: d, data: features }, attention, prior, layout };
}

/**
 * Adds what the baselines consume: `clsAttention` (positive, peaks on other regions), `keys`
 * [N, 64] (a slice of the features plus noise, a few high-norm sinks), `textFeatures` [16, D]
 * (half about one region), `textKeys` [16, 64].
 */
export function withBaselineTensors(input, seed = 3) {
  const rand = rng(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
  const { rows: n, cols: d, data } = input.features;
  const dk = 64;
  const cls = Float32Array.from({ length: n }, () => rand() ** 4);
  let sum = 0;
  for (const v of cls) sum += v;
  const clsAttention = cls.map((v) => v / sum);
  const keys = new Float32Array(n * dk);
  for (let i = 0; i < n; i++) {
    const sink = i % 97 === 0 ? 6 : 1;
    for (let k = 0; k < dk; k++) keys[i * dk + k] = sink * (data[i * d + k] + 0.3 * gauss());
  }
  const m = 16;
  const about = Math.floor(rand() * n);
  const textFeatures = new Float32Array(m * d);
  for (let t = 0; t < m; t++) {
    for (let k = 0; k < d; k++) textFeatures[t * d + k] = (t < m / 2 ? data[about * d + k] : 0) + gauss();
  }
  const textKeys = Float32Array.from({ length: m * dk }, gauss);
  return {
    ...input,
    clsAttention,
    keys: { rows: n, cols: dk, data: keys },
    textFeatures: { rows: m, cols: d, data: textFeatures },
    textKeys: { rows: m, cols: dk, data: textKeys },
  };
}

/** LLaVA-1.5: 24×24 tokens, one frame. */
export function llavaScene(d = 4096, seed = 1) {
  return scene({ layout: tiledLayout(1, 1, 24, false), d, seed });
}

/** InternVL-2.5, 13 tiles: a 3×4 grid of 16×16 tiles on one canvas + the thumbnail frame (N 3328). */
export function internvlScene(d = 4096, seed = 2) {
  return scene({ layout: tiledLayout(3, 4, 16, true), d, seed });
}

/**
 * A scene with the structure of real photos: large near-uniform regions (sky with a gradient,
 * wall panels, road) and a few small objects that draw the attention. Tokens of one region are
 * alike (cos ≈ 0.9), so the α = 1 MIS takes about one token per region per round and needs many
 * rounds, as real images do (issue 13); the objects are mostly pivots.
 */
export function realisticScene({ layout, d, seed = 11 }) {
  const rand = rng(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
  const vector = () => Float32Array.from({ length: d }, gauss);
  const n = layout.frame.length;
  const shared = vector();
  const regions = ['sky', 'wall-a', 'wall-b', 'wall-c', 'road', 'grass'].map((name) => ({ name, centre: vector(), noise: name === 'grass' ? 0.45 : 0.28 }));
  const gradient = vector();
  const objects = Array.from({ length: 6 }, () => {
    const w = 0.05 + 0.08 * rand();
    const h = 0.05 + 0.08 * rand();
    const x0 = rand() * (1 - w);
    const y0 = 0.3 + rand() * (0.65 - h);
    return { box: [x0, y0, x0 + w, y0 + h], centre: vector() };
  });
  const regionOf = (y, x) => {
    if (y < 0.38) return regions[0];
    if (y < 0.78) return x < 0.35 ? regions[1] : x < 0.6 ? regions[2] : x < 0.85 ? regions[3] : regions[5];
    return regions[4];
  };
  const features = new Float32Array(n * d);
  const prior = new Float32Array(n);
  const attention = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const { rows, cols } = layout.frames[layout.frame[i]];
    const y = (layout.row[i] + 0.5) / rows;
    const x = (layout.col[i] + 0.5) / cols;
    const obj = objects.find(({ box }) => x >= box[0] && x < box[2] && y >= box[1] && y < box[3]);
    const region = regionOf(y, x);
    const centre = obj ? obj.centre : region.centre;
    const noise = obj ? 0.35 : region.noise;
    const slope = region === regions[0] ? 0.9 * (y - 0.19) : 0;
    const o = i * d;
    for (let k = 0; k < d; k++) features[o + k] = 0.8 * shared[k] + centre[k] + slope * gradient[k] + noise * gauss();
    const ramp = Math.exp((3 * i) / n) / n;
    prior[i] = ramp;
    attention[i] = ramp * (obj ? 6 : 1) * (0.5 + rand());
  }
  return { features: { rows: n, cols: d, data: features }, attention, prior, layout };
}

/** The realistic scene at LLaVA-1.5 size (24×24, D 4096). */
export function llavaRealistic(d = 4096, seed = 11) {
  return realisticScene({ layout: tiledLayout(1, 1, 24, false), d, seed });
}

/** The realistic scene at InternVL-2.5 size (3×4 tiles of 16×16 + thumbnail = 3328 tokens, D 1024). */
export function internvlRealistic(d = 1024, seed = 12) {
  return realisticScene({ layout: tiledLayout(3, 4, 16, true), d, seed });
}
