import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const pkgRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** A bundle written to a fresh temporary directory, with its files and a cleanup. */
export interface Bundle {
  dir: string;
  /** Entry file name inside `dir`. */
  entry: string;
  /** Every emitted JavaScript file, concatenated (to check what went in). */
  code: string;
  remove(): void;
}

function collect(dir: string): string {
  let code = '';
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) code += collect(p);
    else if (e.name.endsWith('.js')) code += readFileSync(p, 'utf8');
  }
  return code;
}

/**
 * Bundles `entry` (relative to the package) with vite, resolving workspace packages to their
 * sources. `browser`: library mode under the `browser` condition (what a web app gets);
 * `node`: an SSR build for Node 20 with `webgpu` left external at its installed path.
 */
export async function bundle(entry: string, target: 'browser' | 'node'): Promise<Bundle> {
  const dir = mkdtempSync(join(tmpdir(), `d2pruner-webgpu-${target}-`));
  const webgpu = createRequire(import.meta.url).resolve('webgpu');
  const common = { configFile: false as const, root: pkgRoot, logLevel: 'warn' as const };
  if (target === 'browser') {
    await build({
      ...common,
      resolve: { conditions: ['@d2pruner/source', 'browser', 'module', 'import', 'default'] },
      build: { lib: { entry, formats: ['es'], fileName: () => 'bundle.js' }, outDir: dir, emptyOutDir: true, minify: false, target: 'es2022' },
    });
  } else {
    await build({
      ...common,
      resolve: { conditions: ['@d2pruner/source', 'node', 'module', 'import', 'default'] },
      ssr: { resolve: { conditions: ['@d2pruner/source', 'node'], externalConditions: ['node'] }, noExternal: true },
      build: {
        ssr: entry,
        outDir: dir,
        emptyOutDir: true,
        minify: false,
        target: 'node20',
        rollupOptions: { external: (id: string) => id === 'webgpu' || id.startsWith('node:'), output: { entryFileNames: 'bundle.js', paths: { webgpu } } },
      },
    });
  }
  return { dir, entry: 'bundle.js', code: collect(dir), remove: () => rmSync(dir, { recursive: true, force: true }) };
}
