import { it, expect } from 'vitest';
import { d2pruneLazy } from '../src/index.js';
import { loadCases, loadScene } from './vectors.js';
it('vectors', () => {
  let ok = 0, bad = 0;
  for (const c of loadCases('d2pruner', 'cases-7.json')) {
    const s = d2pruneLazy(loadScene('d2pruner', c.input), c.keep, c.params);
    const same = JSON.stringify([s.keep, s.pivots, s.picks, s.rounds]) === JSON.stringify([c.expected.keep, c.expected.pivots, c.expected.picks, c.expected.rounds]);
    if (same) ok++; else { bad++; if (bad < 4) console.log(c.input, c.keep, JSON.stringify(c.params), s.rounds, c.expected.rounds, s.picks.slice(0,10), (c.expected.picks as number[]).slice(0,10)); }
  }
  console.log('ok', ok, 'bad', bad);
});
