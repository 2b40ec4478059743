import { readFile } from 'node:fs/promises';

/** The CLI package's version, read from its package.json (next to src/ and dist/). */
export async function cliVersion(): Promise<string> {
  const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}
