import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { createPrunePool, type PrunePool } from '../../src/node/index.js';

/**
 * Registers the set-up the pool test files share: a two-worker pool (and, with `dirPrefix`, a
 * temporary folder) made before the file's tests and handed to `use`, closed (and removed) after them.
 */
export function useSharedPool(use: (pool: PrunePool, dir: string) => void, dirPrefix?: string): void {
  let pool: PrunePool | undefined;
  let dir = '';
  beforeAll(() => {
    pool = createPrunePool({ workers: 2 });
    if (dirPrefix !== undefined) dir = mkdtempSync(join(tmpdir(), dirPrefix));
    use(pool, dir);
  });
  afterAll(async () => {
    await pool?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
}
