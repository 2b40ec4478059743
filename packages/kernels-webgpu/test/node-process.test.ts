import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bundle, type Bundle } from './helpers/bundle.js';

const bundles: Bundle[] = [];
afterAll(() => bundles.forEach((b) => b.remove()));

describe('the Node build', () => {
  it('runs a kernel and the process exits by itself after dispose()', async () => {
    const b = await bundle('test/fixtures/node-exit.ts', 'node');
    bundles.push(b);
    writeFileSync(join(b.dir, 'main.mjs'), "import { main } from './bundle.js';\nawait main(true);\nconsole.log('MAIN-RETURNED');\n");
    const t0 = Date.now();
    const r = spawnSync(process.execPath, [join(b.dir, 'main.mjs')], { encoding: 'utf8', timeout: 60_000 });
    const ms = Date.now() - t0;
    const lines = r.stdout.split('\n').filter(Boolean);
    const adapter = lines.find((l) => l.startsWith('ADAPTER') || l.startsWith('NO-ADAPTER'));
    console.log(`[kernels-webgpu] child process: ${adapter ?? '(no adapter line)'}; exit ${r.status} after ${ms} ms`);
    expect(r.error, 'the child process did not exit within 60 s').toBeUndefined();
    expect(r.status, r.stderr).toBe(0);
    expect(lines).toContain('MAIN-RETURNED');
    if (adapter?.startsWith('ADAPTER')) expect(lines).toContain('RESULT 5,0');
    else console.warn('[kernels-webgpu] child process found no adapter: only the exit was checked');
  });
});
