import { d2pruneLazy } from '@d2pruner/methods';
import { internvlRealistic, llavaRealistic } from './scene.mjs';
for (const [name, s, keep] of [['internvl', internvlRealistic(), 333], ['llava', llavaRealistic(), 64]]) {
  for (let i = 0; i < 3; i++) d2pruneLazy(s, keep, { alpha: 1 });
  const mis = [], tot = [];
  for (let i = 0; i < 25; i++) { const r = d2pruneLazy(s, keep, { alpha: 1 }); mis.push(r.timings.misMs); tot.push(r.timings.totalMs); }
  const min = (a) => Math.min(...a).toFixed(2); const med = (a) => a.sort((x, y) => x - y)[a.length >> 1].toFixed(2);
  console.log(name, 'mis min', min(mis), 'med', med(mis), 'total min', min(tot), 'med', med(tot));
}
