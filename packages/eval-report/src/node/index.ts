import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { BackendUnavailableError } from '@d2pruner/core';
import type { ChartLibraries } from '../html.js';

/**
 * Resolves the chart packages as this package's own dependencies: from its installed
 * `package.json` (found by its name, so also when this module is bundled into another file, such
 * as the d2pruner command's bundle), else from this module's location.
 */
function chartRequire(): NodeRequire {
  const here = createRequire(import.meta.url);
  try {
    return createRequire(here.resolve('@d2pruner/eval-report/package.json'));
  } catch {
    return here;
  }
}

async function built(pkg: string, file: string): Promise<string> {
  try {
    return await readFile(join(dirname(chartRequire().resolve(pkg)), file), 'utf8');
  } catch (e) {
    throw new BackendUnavailableError(pkg, `the report inlines ${pkg}/build/${file}, which cannot be read (${e instanceof Error ? e.message : String(e)})`);
  }
}

/** Reads the built JavaScript of vega, vega-lite and vega-embed from their installed packages. */
export async function readChartLibraries(): Promise<ChartLibraries> {
  const [vega, vegaLite, vegaEmbed] = await Promise.all([built('vega', 'vega.min.js'), built('vega-lite', 'vega-lite.min.js'), built('vega-embed', 'vega-embed.min.js')]);
  return { vega, vegaLite, vegaEmbed };
}
