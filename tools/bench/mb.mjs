import { SimdRowStore } from '@d2pruner/kernels';
const rows = 3328, d = 1024;
const data = Float32Array.from({ length: rows * d }, () => Math.random() - 0.5);
const s = new SimdRowStore(data, rows, d);
for (let i = 0; i < rows; i++) s.dot(i, i);
const members = [0, 100, 200, 300, 400, 500, 600, 700];
const out = new Float64Array(256);
for (let rep = 0; rep < 3; rep++) {
  let t = performance.now(); let acc = 0;
  for (let v = 0; v < rows; v++) for (const u of members) acc += s.dot(v, u);
  const a = performance.now() - t;
  t = performance.now();
  for (let v = 0; v < rows; v++) { s.dots(v, members, 0, 8, out); acc += out[0]; }
  const b = performance.now() - t;
  t = performance.now();
  for (let v = 0; v < rows; v++) { s.dotsF32(v, members, 0, 8, out); acc += out[0]; }
  const c = performance.now() - t;
  t = performance.now();
  for (let v = 0; v < rows; v++) { s.dotsF32(v, members, 0, 1, out); acc += out[0]; }
  const e = performance.now() - t;
  console.log(`per pair ns: f64 single ${(a*1e6/rows/8).toFixed(0)}, f64 batch ${(b*1e6/rows/8).toFixed(0)}, f32 batch ${(c*1e6/rows/8).toFixed(0)}; f32 1-pair call (stream) ${(e*1e6/rows).toFixed(0)}`);
}
