import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: this file sits in `apps/server/src` (sources) or `apps/server/dist` (build). */
export function repoRoot(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
}

/** Where `vite build` of `apps/web` writes the app. */
export function defaultWebDir(): string {
  return resolve(repoRoot(), 'apps/web/dist');
}

/** The bundled samples: the LLaVA-like sample and the spec's D2Pruner scenes. */
export function defaultSampleDirs(): string[] {
  return [resolve(repoRoot(), 'fixtures/samples'), resolve(repoRoot(), 'fixtures/vectors/d2pruner')];
}
