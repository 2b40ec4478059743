// Bundles what the `d2pruner` command runs (dist/bin-entry.js: the early pool and the CLI, with
// the @d2pruner packages and RxJS they import) into one file, dist/d2pruner.bundle.js, which
// loads in about 55 ms instead of about 190 (hundreds of modules to resolve). Kept external:
// piscina (its worker runtime must be the installed module, and it finds its files from its own
// location), and the optional peers the CLI imports only when asked for (the GPU backends,
// transformers.js, sharp), which load the installed packages; a typed error they throw is still
// one (`isD2PrunerError` knows every copy of core). The bundle sits in dist/ beside main.js, so
// paths relative to it (the CLI's package.json) are the same. Run by `npm run build` after tsc.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'rolldown';

const input = fileURLToPath(new URL('../dist/bin-entry.js', import.meta.url));
const file = fileURLToPath(new URL('../dist/d2pruner.bundle.js', import.meta.url));
if (!existsSync(input)) throw new Error(`bundle-bin: ${input} is missing; run tsc first`);
await build({
  input,
  platform: 'node',
  external: ['piscina', 'sharp', /^@d2pruner\/(kernels-webgpu|kernels-gpujs|transformers)(\/|$)/],
  output: { file, format: 'esm', minify: true, codeSplitting: false },
  logLevel: 'warn',
});
