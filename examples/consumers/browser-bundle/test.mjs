// Test of the browser-bundle consumer (after `tsc` and `vite build`), run from a copy installed
// from packed tarballs (tools/packaging/consumer-tests.mjs). Checks the bundle for Node-only code,
// then runs it in headless Chromium and compares the WebGPU selections with the CPU ones.
// Exit code 77 = skipped (no Chromium at /usr/bin/chromium), as the repository's other browser tests.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { gridLayout } from '@d2pruner/core';
import { d2prunerStages, decode, pruneStream } from '@d2pruner/pipeline';
import { lastValueFrom, pipe, toArray } from 'rxjs';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, 'dist');
const CHROMIUM = '/usr/bin/chromium';
// docs/architecture.md §4: Debian's Chromium, headless, no network side channels, WebGPU enabled
const ARGS = ['--headless', '--no-sandbox', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic', '--enable-unsafe-webgpu'];
const NODE_BUILTINS = ['assert', 'buffer', 'child_process', 'crypto', 'events', 'fs', 'fs/promises', 'http', 'module', 'net', 'os', 'path', 'perf_hooks', 'process', 'stream', 'url', 'util', 'worker_threads', 'zlib'];
let passed = 0;
async function check(name, fn) {
  await fn();
  passed++;
  console.log(`  ✓ ${name}`);
}

function files(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]));
}

const emitted = files(dist);
const js = emitted.filter((f) => f.endsWith('.js'));
const code = js.map((f) => readFileSync(f, 'utf8')).join('\n');

await check('the bundle contains no Node built-ins, no Dawn and no binary', () => {
  assert.ok(js.length > 0, 'vite emitted no JavaScript');
  assert.deepEqual(emitted.filter((f) => !['.js', '.html', '.css', '.map'].includes(extname(f))), [], 'unexpected (binary?) files in dist/');
  const absent = (re, what) => {
    const m = re.exec(code);
    assert.equal(m, null, m && `${what}: …${code.slice(Math.max(0, m.index - 80), m.index + 80)}…`);
  };
  absent(/__vite-browser-external/, 'a module imported a Node built-in (vite stubbed it)');
  absent(/["'`]node:[a-z_/]+["'`]/, 'a node: specifier is in the bundle');
  for (const b of NODE_BUILTINS) absent(new RegExp(`(\\bfrom|\\bimport\\(|\\brequire\\()\\s*["'\`]${b}["'\`]`), `the bundle imports '${b}'`);
  absent(/dawn\.node|createRequire|process\.dlopen|(\bfrom|\bimport\()\s*["'`]webgpu["'`]/, 'Dawn (the webgpu package) is in the bundle');
  // discriminating: the browser condition picked the Dawn stub, and the WGSL kernels are in
  assert.match(code, /Dawn \(the `webgpu` package\) is for Node only/);
  assert.match(code, /@compute/);
  const dawn = join(here, 'node_modules', 'webgpu', 'dist', 'linux-x64', 'dawn.node');
  const bytes = js.reduce((s, f) => s + statSync(f).size, 0);
  const gz = js.reduce((s, f) => s + gzipSync(readFileSync(f), { level: 9 }).length, 0);
  console.log(`    bundle: ${js.length} JS file(s), ${(bytes / 1024).toFixed(1)} kB minified, ${(gz / 1024).toFixed(1)} kB gzipped; ` +
    (existsSync(dawn) ? `Dawn is installed (${(statSync(dawn).size / 1e6).toFixed(0)} MB dawn.node in node_modules) and was left out` : 'the optional webgpu (Dawn) package is not installed'));
});

await check('@d2pruner packages resolve to this project\'s node_modules (dist/), one copy each', () => {
  for (const name of ['@d2pruner/core', '@d2pruner/kernels', '@d2pruner/pipeline', '@d2pruner/kernels-webgpu']) {
    assert.ok(existsSync(join(here, 'node_modules', name, 'dist')), `${name} is not installed here`);
    assert.ok(!existsSync(join(here, 'node_modules', name, 'node_modules')), `${name} has nested dependencies (duplicated registries?)`);
  }
  const file = fileURLToPath(import.meta.resolve('@d2pruner/pipeline'));
  assert.ok(file.startsWith(join(here, 'node_modules') + sep) && file.includes(`${sep}dist${sep}`), file);
});

if (!existsSync(CHROMIUM)) {
  console.log(`SKIP: ${CHROMIUM} is absent (apt-get install chromium); the bundle checks passed, the browser run did not happen`);
  process.exit(77);
}

/** Serves dist/ on 127.0.0.1 (a secure context, so navigator.gpu exists). */
async function serve() {
  const types = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' };
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const file = normalize(join(dist, path === '/' ? 'index.html' : path));
    if (!file.startsWith(dist) || !existsSync(file)) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${server.address().port}/` };
}

const { server, url } = await serve();
const { chromium } = await import('playwright-core');
const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
let result;
try {
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(url);
  await page.waitForFunction(() => globalThis.__result !== undefined, undefined, { timeout: 60_000 });
  result = await page.evaluate(() => globalThis.__result.catch((e) => ({ error: String(e?.stack ?? e) })));
  assert.deepEqual(errors, []);
  console.log(`    ${await browser.version()}: ${result.adapter ?? result.error}`);
} finally {
  await browser.close();
  server.close();
}

await check('the page ran every scene on WebGPU in Chromium', () => {
  assert.equal(result.error, undefined, result.error);
  assert.equal(result.hasNavigatorGpu, true);
  for (const [i, s] of result.scenes.entries()) {
    assert.equal(s.webgpu.error, undefined, `scene ${i}: ${JSON.stringify(s.webgpu.error)}`);
    assert.equal(s.webgpu.backend, 'webgpu', `scene ${i} ran on ${s.webgpu.backend}`);
    assert.equal(s.webgpu.keep.length, s.spec.keep);
  }
});

await check('WebGPU selections equal the CPU ones: in the page, and from Node on the same scenes', async () => {
  const inputs = result.scenes.map((s) => ({
    features: { rows: s.spec.rows * s.spec.cols, cols: s.spec.dim, data: Float32Array.from(s.features) },
    attention: Float32Array.from(s.attention),
    layout: gridLayout(s.spec.rows, s.spec.cols),
  }));
  const requests = inputs.map((input, i) => ({ input, keep: result.scenes[i].spec.keep, backend: 'cpu' }));
  const jobs = await lastValueFrom(pruneStream(requests, pipe(decode(), d2prunerStages())).pipe(toArray()));
  for (const [i, s] of result.scenes.entries()) {
    const node = jobs[i].selection;
    assert.equal(s.cpu.backend, 'cpu');
    for (const k of ['keep', 'pivots', 'picks', 'rounds']) {
      assert.deepEqual(s.webgpu[k], s.cpu[k], `scene ${i}: ${k} differs between WebGPU and the page's CPU run`);
      assert.deepEqual(s.webgpu[k], node[k], `scene ${i}: ${k} differs between WebGPU and Node's CPU run`);
    }
    console.log(`    scene ${i} (${s.spec.rows}×${s.spec.cols}, D ${s.spec.dim}, keep ${s.spec.keep}): ${s.webgpu.rounds} MIS round(s), webgpu ${s.webgpu.ms.toFixed(1)} ms, cpu ${s.cpu.ms.toFixed(1)} ms`);
  }
});

console.log(`browser-bundle: ${passed} checks passed`);
