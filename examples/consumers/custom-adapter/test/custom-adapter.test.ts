// Test of the custom-adapter consumer, run (compiled by tsc against the published types) from a
// copy installed from packed tarballs: tools/packaging/consumer-tests.mjs. Expected values are
// derived by hand from the adapter's definition and the method's rule, not from running them.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getAdapter, gridLayout, listAdapters, methodRegistry, type Matrix } from '@d2pruner/core';
import { d2prunerStages, decode, prune, pruneStream } from '@d2pruner/pipeline';
import { from, lastValueFrom, pipe, toArray } from 'rxjs';
import { ACME_TOKENS, acmePruner, acmeVl1b, normNms, registerAcme, type AcmeFrame } from '../src/index.js';

const project = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
let passed = 0;
async function check(name: string, fn: () => void | Promise<void>): Promise<void> {
  await fn();
  passed++;
  console.log(`  ✓ ${name}`);
}

/** Paths of every installed copy of `name` under node_modules, nested ones included. */
function copiesOf(name: string, dir = join(project, 'node_modules')): string[] {
  const out: string[] = [];
  if (!existsSync(dir)) return out;
  for (const e of readdirSync(dir)) {
    if (e.startsWith('.')) continue;
    const entries = e.startsWith('@') ? readdirSync(join(dir, e)).map((s) => `${e}/${s}`) : [e];
    for (const p of entries) {
      const full = join(dir, p);
      if (p === name) out.push(full);
      out.push(...copiesOf(name, join(full, 'node_modules')));
    }
  }
  return out;
}

const features = (rows: number, cols: number, value: (row: number) => number[]): Matrix => {
  const data = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) data.set(value(r), r * cols);
  return { rows, cols, data };
};

await check('one copy of @d2pruner/core is installed (one set of registries for every package)', () => {
  assert.equal(copiesOf('@d2pruner/core').length, 1, copiesOf('@d2pruner/core').join(', '));
  assert.ok(!existsSync(join(project, 'node_modules', '@d2pruner', 'kernels-webgpu')), 'nothing pulled in the WebGPU backend');
  const pkg = JSON.parse(readFileSync(join(project, 'node_modules', '@d2pruner', 'core', 'package.json'), 'utf8')) as { version: string };
  console.log(`    @d2pruner/core ${pkg.version} from ${join('node_modules', '@d2pruner', 'core')}`);
});

registerAcme();

await check('the adapter is registered and lays out images as defined (thumbnail + grid with row ends)', () => {
  assert.equal(getAdapter('acme/acme-vl-1b-instruct'), acmeVl1b);
  assert.ok(listAdapters().some((a) => a.id === 'acme-vl-1b'));
  // 640×480 → scale 448/640 = 0.7 → 448×336 → 14 columns, ⌈10.5⌉ = 11 rows; 4 + 11·(14 + 1) tokens
  const l = acmeVl1b.layout({ width: 640, height: 480 });
  assert.deepEqual(l.frames.map((f) => [f.kind, f.rows, f.cols]), [['thumbnail', 2, 2], ['grid', 11, 14]]);
  assert.equal(l.tokens, 169);
  assert.equal(l.candidates.length, 158);
  assert.equal(l.structural.reduce((s, v) => s + v, 0), 11);
  assert.equal(l.structural[4 + 14], 1); // the first row-end token follows 14 grid tokens
  // 300×600 → scale 448/600 → 224×448 → 7 columns, 14 rows
  assert.equal(acmeVl1b.layout({ width: 300, height: 600 }).tokens, 4 + 14 * 8);
  assert.throws(() => acmeVl1b.layout({ width: 640, height: 480 }, { maxSide: 8 }), (e: { code?: string; field?: string }) => e.code === 'INVALID_INPUT' && e.field === 'maxSide');
  const spans = acmeVl1b.visualSpans([1, ACME_TOKENS.imageStart, ...new Array<number>(169).fill(ACME_TOKENS.imagePad), ACME_TOKENS.imageEnd, 7]);
  assert.deepEqual(spans, [{ image: 0, start: 2, length: 169, inputIndex: 2 }]);
});

await check('the method is registered and follows its rule on a hand-checked 3×3 grid', async () => {
  assert.equal(methodRegistry.get('acme-nms'), normNms);
  // norms by token: 1 9 2 / 3 8 4 / 5 6 7 → rank 1, 4, 8, 7, 6, 5, 3, 2, 0
  const norms = [1, 9, 2, 3, 8, 4, 5, 6, 7];
  const input = { features: features(9, 1, (r) => [norms[r]]), layout: gridLayout(3, 3) };
  // radius 1: take 1; 4 is next to 1; take 8; 7 is next to 8; take 6 → [1, 6, 8]
  assert.deepEqual((await normNms.select(input, 3)).keep, [1, 6, 8]);
  // budget 5: every other token touches 1, so the skipped ones fill in rank order: 4, 7
  assert.deepEqual((await normNms.select(input, 5)).keep, [1, 4, 6, 7, 8]);
  assert.deepEqual((await normNms.select(input, 3, { radius: 0 })).keep, [1, 4, 8]);
  await assert.rejects(normNms.select(input, 3, { radius: -1 }), (e: { field?: string }) => e.field === 'radius');
});

await check('@d2pruner/pipeline finds both third-party pieces: custom stages, ordered results, errors as values', async () => {
  const image = { width: 640, height: 480 };
  const l = acmeVl1b.layout(image);
  const peaks = new Map([[20, 10], [60, 9], [100, 8], [150, 7]]); // candidate → norm; all others 1
  const good = features(l.candidates.length, 4, (r) => [peaks.get(r) ?? 1, 0, 0, 0]);
  const inputIds = [1, ACME_TOKENS.imageStart, ...new Array<number>(l.tokens).fill(ACME_TOKENS.imagePad), ACME_TOKENS.imageEnd, 42];
  const frames: AcmeFrame[] = [
    { id: 'a', image, inputIds, features: good },
    { id: 'bad', image, inputIds, features: features(10, 4, () => [1, 0, 0, 0]) },
    { id: 'c', image, inputIds: [7, 7, ...inputIds], features: good },
  ];
  const results = await lastValueFrom(from(frames).pipe(acmePruner({ adapter: 'acme-vl-1b', method: 'norm-nms', keep: 4 }), toArray()));
  assert.deepEqual(results.map((r) => r.id), ['a', 'bad', 'c']);
  assert.deepEqual(results[1].error, { code: 'SHAPE_MISMATCH', field: 'features', message: 'features has 10 rows, the layout 158 candidates' });
  // the four peaks are far apart, so NMS keeps exactly them
  assert.equal(results[0].method, 'norm-nms');
  assert.deepEqual(results[0].keep, [20, 60, 100, 150]);
  // candidate c ≥ 4 is grid cell g = c − 4 at row ⌊g/14⌋, column g mod 14, visual token 4 + 15·row + col;
  // each kept row also keeps its row end (visual 4 + 15·row + 14); sequence = span start (2) + visual
  const expected = [20, 60, 100, 150].flatMap((c) => {
    const g = c - 4;
    const row = Math.floor(g / 14);
    return [4 + 15 * row + (g % 14), 4 + 15 * row + 14];
  });
  assert.deepEqual(results[0].sequence, expected.sort((a, b) => a - b).map((v) => 2 + v));
  assert.deepEqual(results[2].sequence, results[0].sequence!.map((p) => p + 2));
});

await check('built-in D2Pruner runs through the same installed pipeline next to the third-party method', async () => {
  const n = 16;
  const input = {
    features: features(n, 2, (r) => (r % 2 ? [1, 0] : [0, 1])),
    attention: Float32Array.from({ length: n }, (_, i) => (i === 5 ? 0.5 : 0.01 * (i + 1))),
    layout: gridLayout(4, 4),
  };
  const jobs = await lastValueFrom(
    pruneStream([{ input, keep: 4 }, { input, keep: 4, method: 'norm-nms' }], pipe(decode(), prune())).pipe(toArray()),
  );
  assert.deepEqual(jobs.map((j) => j.selection?.method), ['d2pruner', 'norm-nms']);
  // pivots: ⌊0.7·4⌋ = 2 highest attentions: token 5 (0.5), then token 15 (0.16)
  const [staged] = await lastValueFrom(pruneStream([{ input, keep: 4 }], pipe(decode(), d2prunerStages())).pipe(toArray()));
  assert.deepEqual(staged.selection?.pivots, [5, 15]);
  assert.deepEqual(staged.selection?.keep, jobs[0].selection?.keep);
});

await check('the installed worker pool (its one-file worker bundle, piscina external) prunes like the main thread', async () => {
  const { createPrunePool } = await import('@d2pruner/pipeline/node');
  const n = 16;
  const make = () => ({
    features: features(n, 2, (r) => (r % 3 ? [1, 0] : [0, 1])),
    attention: Float32Array.from({ length: n }, (_, i) => 0.01 * ((i * 7) % n) + 0.001),
    layout: gridLayout(4, 4),
  });
  const [here] = await lastValueFrom(pruneStream([{ input: make(), keep: 5 }], pipe(decode(), prune())).pipe(toArray()));
  const pool = createPrunePool({ workers: 1 });
  try {
    assert.ok(pool.script.endsWith('worker.bundle.js'), pool.script);
    const out = await pool.prune({ input: make(), keep: 5 });
    assert.equal(out.error, undefined);
    assert.equal(out.selection?.keep.length, 5);
    assert.deepEqual(out.selection?.keep, here.selection?.keep);
  } finally {
    await pool.close();
  }
});

console.log(`custom-adapter: ${passed} checks passed`);
