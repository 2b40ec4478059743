import { farthestRowScreened } from '@d2pruner/methods';
import { rowNorms64, storeFor } from '@d2pruner/kernels';
import { internvlRealistic, withBaselineTensors } from './scene.mjs';
const input = withBaselineTensors(internvlRealistic());
const h = input.features;
const norms = rowNorms64(h.data, h.rows, h.cols);
const store = storeFor(h.data, h.cols);
let calls = 0, dots = 0;
const orig = store.dotsRangeF32.bind(store);
store.dotsRangeF32 = (i, j0, c, out) => { calls++; dots += c; return orig(i, j0, c, out); };
for (let r = 0; r < 4; r++) { calls = 0; dots = 0; const t0 = performance.now(); const f = farthestRowScreened(store, h.rows, h.cols, norms); console.log(f, (performance.now()-t0).toFixed(1), 'ms calls', calls, 'dots', dots); }
