/**
 * Realistic synthetic scenes for timing: features with a few large regions of similar tokens
 * (so that with alpha 1 the MIS needs many rounds, as on real images), importance with a
 * positional ramp plus peaks. Deterministic (seeded).
 */
import { uniformRng, writeSafetensors } from '@d2pruner/core';

function normal(r) {
  return Math.sqrt(-2 * Math.log(r() + 1e-12)) * Math.cos(2 * Math.PI * r());
}

/** Frames as [rows, cols]: LLaVA 24×24; InternVL a 3×4 tile canvas (48×64) plus a 16×16 thumbnail. */
export const SCENES = {
  llava: { n: 576, d: 4096, frames: [[24, 24]], regions: 6 },
  internvl: { n: 3328, d: 1024, frames: [[48, 64], [16, 16]], regions: 9 },
};

/** Builds a scene: features [n×d], attention [n], layout (frames, frame, row, col). */
export function makeScene(name, seed = 7) {
  const s = SCENES[name];
  const r = uniformRng(seed);
  const frame = [];
  const row = [];
  const col = [];
  s.frames.forEach(([h, w], f) => {
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) (frame.push(f), row.push(y), col.push(x));
  });
  const seeds = Array.from({ length: s.regions }, () => [r(), r()]);
  const protos = Array.from({ length: s.regions }, () => Float32Array.from({ length: s.d }, () => normal(r)));
  const features = new Float32Array(s.n * s.d);
  const attention = new Float32Array(s.n);
  for (let i = 0; i < s.n; i++) {
    const [h, w] = s.frames[frame[i]];
    const u = row[i] / h;
    const v = col[i] / w;
    let best = 0;
    for (let k = 1; k < s.regions; k++) if ((u - seeds[k][0]) ** 2 + (v - seeds[k][1]) ** 2 < (u - seeds[best][0]) ** 2 + (v - seeds[best][1]) ** 2) best = k;
    const sigma = 0.1 + 0.3 * r() ** 2;
    for (let d = 0; d < s.d; d++) features[i * s.d + d] = protos[best][d] + sigma * normal(r);
    attention[i] = (0.2 + u) * Math.exp(normal(r));
  }
  const layout = { frames: s.frames.map(([rows, cols]) => ({ rows, cols })), frame: Int32Array.from(frame), row: Int32Array.from(row), col: Int32Array.from(col) };
  return { name, n: s.n, d: s.d, input: { features: { rows: s.n, cols: s.d, data: features }, attention, layout } };
}

/** The scene as a safetensors file (docs/formats.md: features, attention, `d2pruner.layout`). */
export function sceneBytes(scene) {
  const { features, attention, layout } = scene.input;
  const json = JSON.stringify({ frames: layout.frames, frame: Array.from(layout.frame), row: Array.from(layout.row), col: Array.from(layout.col) });
  return writeSafetensors({ features: { shape: [features.rows, features.cols], data: features.data }, attention: { shape: [attention.length], data: attention } }, { 'd2pruner.layout': json });
}
