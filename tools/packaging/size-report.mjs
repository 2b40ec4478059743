#!/usr/bin/env node
// Bundle sizes: every entry point of every published package, and the browser example.
//   node tools/packaging/size-report.mjs [--json FILE]
// Builds nothing: dist/ must exist (`npm run build`). Uses the repository's vite (rolldown).
//
// Method. Each export of each package (".", "./register", "./node", …) is bundled from its
// published file (dist/, the `default` condition — what a user gets) by vite in library mode,
// ES format, minified (vite's default minifier), target es2022, browser resolve conditions (so
// kernels-webgpu's `#dawn` import is the browser stub). Two figures per entry:
//   own   — every bare import external: the package's own code for that entry;
//   total — `@d2pruner/*` imports bundled too, third-party packages (rxjs, gpu.js,
//           @huggingface/transformers, …) and Node built-ins external: all the d2pruner code a
//           bundle carries when it imports that entry.
// Sizes are minified bytes and gzip -9 bytes, summed over the emitted chunks (dynamic imports
// become separate chunks). No tree shaking beyond what the entry exports: an app importing a few
// names gets less. The browser example (examples/consumers/browser-bundle) is built as an app
// (its index.html) against the repository's dist/ — the same code its tarballs hold — with every
// dependency bundled, rxjs included.
import { Buffer } from 'node:buffer';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { REPO, publishedPackages } from './lib/workspace.mjs';

const { build } = await import(join(REPO, 'node_modules', 'vite', 'dist', 'node', 'index.js'));

const isBare = (id) => !id.startsWith('.') && !id.startsWith('/') && !id.startsWith('\0') && !id.startsWith('#') && !/^[A-Za-z]:[\\/]/.test(id);

/** Sums minified and gzipped bytes over the JavaScript chunks of a vite build result. */
function measure(result) {
  const outputs = (Array.isArray(result) ? result : [result]).flatMap((r) => r.output ?? []);
  let min = 0;
  let gz = 0;
  let chunks = 0;
  for (const o of outputs) {
    if (o.type !== 'chunk') continue;
    const bytes = Buffer.from(o.code);
    min += bytes.length;
    gz += gzipSync(bytes, { level: 9 }).length;
    chunks++;
  }
  return { min, gz, chunks };
}

/** The `default` target of every export subpath of a manifest (package.json excluded). */
function entries(pkg) {
  const out = [];
  for (const [sub, target] of Object.entries(pkg.exports ?? {})) {
    if (sub === './package.json') continue;
    const file = typeof target === 'string' ? target : target.default;
    if (file) out.push({ sub, file });
  }
  return out;
}

async function bundleEntry(dir, file, mode) {
  const external = (id) => id.startsWith('node:') || (isBare(id) && (mode === 'own' || !id.startsWith('@d2pruner/')));
  const result = await build({
    configFile: false,
    logLevel: 'silent',
    root: dir,
    build: {
      write: false,
      minify: true,
      target: 'es2022',
      lib: { entry: join(dir, file), formats: ['es'], fileName: 'entry' },
      rolldownOptions: { external },
    },
  });
  return measure(result);
}

async function bundleBrowserExample() {
  const root = join(REPO, 'examples', 'consumers', 'browser-bundle');
  const outDir = mkdtempSync(join(tmpdir(), 'd2pruner-size-'));
  try {
    const result = await build({ configFile: false, logLevel: 'silent', root, build: { write: false, outDir, target: 'es2022' } });
    return measure(result);
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

const kb = (n) => `${(n / 1024).toFixed(1)} kB`;

async function main() {
  const jsonOut = process.argv.includes('--json') ? process.argv[process.argv.indexOf('--json') + 1] : undefined;
  const rows = [];
  for (const p of publishedPackages()) {
    for (const { sub, file } of entries(p.pkg)) {
      const name = sub === '.' ? p.name : `${p.name}/${sub.slice(2)}`;
      if (!existsSync(join(p.dir, file))) {
        rows.push({ entry: name, error: `not built (${file} missing)` });
        continue;
      }
      try {
        rows.push({ entry: name, own: await bundleEntry(p.dir, file, 'own'), total: await bundleEntry(p.dir, file, 'total') });
      } catch (e) {
        rows.push({ entry: name, error: (e instanceof Error ? e.message : String(e)).split('\n')[0] });
      }
    }
  }
  let example;
  try {
    example = await bundleBrowserExample();
  } catch (e) {
    example = { error: (e instanceof Error ? e.message : String(e)).split('\n')[0] };
  }

  const w = Math.max(...rows.map((r) => r.entry.length), 34);
  console.log(`${'entry'.padEnd(w)}  ${'own min'.padStart(9)}  ${'own gz'.padStart(9)}  ${'total min'.padStart(10)}  ${'total gz'.padStart(9)}`);
  for (const r of rows) {
    if (r.error) console.log(`${r.entry.padEnd(w)}  ${r.error}`);
    else console.log(`${r.entry.padEnd(w)}  ${kb(r.own.min).padStart(9)}  ${kb(r.own.gz).padStart(9)}  ${kb(r.total.min).padStart(10)}  ${kb(r.total.gz).padStart(9)}`);
  }
  const label = 'examples/consumers/browser-bundle (app, all deps)';
  if (example.error) console.log(`\n${label}: ${example.error}`);
  else console.log(`\n${label}: ${kb(example.min)} minified, ${kb(example.gz)} gzipped (${example.chunks} chunks)`);
  console.log('\nown: bare imports external; total: @d2pruner/* bundled, third-party and Node built-ins external; vite lib mode, minified, gzip -9.');
  if (jsonOut) writeFileSync(jsonOut, JSON.stringify({ entries: rows, browserExample: example }, null, 2) + '\n');
  if (rows.some((r) => r.error) || example.error) process.exitCode = 1;
}

await main();
