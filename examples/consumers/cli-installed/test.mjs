// Test of the cli-installed consumer, run from a copy installed from packed tarballs (see
// tools/packaging/consumer-tests.mjs). Expected selections come from the specification's test
// vectors (D2PRUNER_VECTORS), never from the packages under test.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const modules = join(here, 'node_modules');
const bin = join(modules, '@d2pruner', 'cli', 'bin', 'd2pruner.js');
let passed = 0;
async function check(name, fn) {
  await fn();
  passed++;
  console.log(`  ✓ ${name}`);
}

if (!existsSync(modules)) {
  console.error('run this through tools/packaging/consumer-tests.mjs: it needs an install from packed tarballs');
  process.exit(1);
}

/** Runs the installed command; its exit code, stdout and stderr. */
function d2pruner(args, input) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', input, cwd: here, maxBuffer: 64 * 1024 * 1024 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const tmp = mkdtempSync(join(tmpdir(), 'd2pruner-cli-installed-'));
try {
  await check('the command is the installed package, with its one-file bundle (no repository sources)', () => {
    assert.ok(realpathSync(bin).startsWith(realpathSync(modules) + sep), `bin resolved outside the project: ${realpathSync(bin)}`);
    assert.ok(existsSync(join(modules, '@d2pruner', 'cli', 'dist', 'd2pruner.bundle.js')), 'the package ships dist/d2pruner.bundle.js');
  });

  await check('--version prints the installed package version', () => {
    const { version } = JSON.parse(readFileSync(join(modules, '@d2pruner', 'cli', 'package.json'), 'utf8'));
    const r = d2pruner(['--version']);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out.trim(), version);
  });

  const vectors = process.env.D2PRUNER_VECTORS;
  if (vectors && existsSync(join(vectors, 'cases-7.json'))) {
    const cases = JSON.parse(readFileSync(join(vectors, 'cases-7.json'), 'utf8')).filter((c) => c.method === 'd2pruner');
    await check(`the D2Pruner vectors through prune --batch --workers 2 (the pool's worker found in the installed pipeline), a bad line in the middle (${cases.length} cases)`, () => {
      const lines = cases.map((c, i) => JSON.stringify({ id: i, input: join(vectors, c.input), method: 'd2pruner', keep: c.keep, params: c.params }));
      const bad = Math.floor(lines.length / 2);
      lines.splice(bad, 0, JSON.stringify({ id: 'bad', input: join(tmp, 'missing.safetensors'), keep: 4 }));
      const r = d2pruner(['prune', '--batch', '-', '--workers', '2'], lines.join('\n') + '\n');
      assert.equal(r.code, 0, r.err);
      const out = r.out.trim().split('\n').map((l) => JSON.parse(l));
      assert.equal(out.length, cases.length + 1);
      assert.deepEqual({ id: out[bad].id, code: out[bad].error?.code, field: out[bad].error?.field }, { id: 'bad', code: 'INVALID_INPUT', field: 'input' });
      out.splice(bad, 1);
      out.forEach((o, i) => {
        assert.equal(o.id, i);
        assert.deepEqual(o.keep, cases[i].expected.keep, `${cases[i].input} keep=${cases[i].keep} ${JSON.stringify(cases[i].params)}`);
      });
    });
    await check('prune FILE --json on the main thread selects what the vector says', () => {
      const c = cases.find((x) => x.keep > 0);
      const args = ['prune', join(vectors, c.input), '--keep', String(c.keep), '--json'];
      for (const [k, v] of Object.entries(c.params)) args.push(`--${k.replace(/[A-Z]/g, (m) => `-${m.toLowerCase()}`)}`, String(v));
      const r = d2pruner(args);
      assert.equal(r.code, 0, r.err);
      assert.deepEqual(JSON.parse(r.out).keep, c.expected.keep);
    });
  } else {
    console.log('  - spec vectors not given (D2PRUNER_VECTORS); the batch and prune checks did not run');
  }

  await check('scenes and eval --report: the report inlines the chart libraries of the installed packages', () => {
    const dir = join(tmp, 'scenes');
    const s = d2pruner(['scenes', dir, '--count', '2', '--layout', '8x8', '--calibration', '2']);
    assert.equal(s.code, 0, s.err);
    const report = join(tmp, 'report.html');
    const files = [0, 1].map((k) => join(dir, `scene-000${k}.safetensors`));
    const r = d2pruner(['eval', ...files, '--methods', 'fastv,uniform', '--keep', '8', '--report', report, '--json']);
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(JSON.parse(r.out).results.map((x) => [x.method, x.files]), [['fastv', 2], ['uniform', 2]]);
    const html = readFileSync(report, 'utf8');
    for (const lib of ['vegaEmbed', 'vega-lite']) assert.ok(html.includes(lib), `the report inlines ${lib}`);
  });
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
console.log(`cli-installed: ${passed} checks passed`);
