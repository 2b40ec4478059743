import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, normalize } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bundle, type Bundle } from './helpers/bundle.js';
import type { PageResult } from './fixtures/browser-entry.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--enable-unsafe-webgpu',
];
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`[kernels-webgpu] SKIPPING the browser test: ${CHROMIUM} is absent (apt-get install chromium)`);

let built: Bundle | undefined;
let server: Server | undefined;
afterAll(() => {
  server?.close();
  built?.remove();
});

/** Serves the bundle and a page importing it from 127.0.0.1 (a secure context, unlike file:). */
async function serve(dir: string): Promise<string> {
  const page = "<!doctype html><meta charset=utf-8><script type=module>import { runInPage } from './bundle.js'; window.__result = runInPage().catch((e) => ({ error: String(e && e.stack || e) }));</script>";
  server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/') {
      res.writeHead(200, { 'content-type': 'text/html' }).end(page);
      return;
    }
    const file = normalize(join(dir, path));
    if (!file.startsWith(dir) || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/javascript' }).end(readFileSync(file));
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

describe.skipIf(!hasChromium)('headless Chromium', () => {
  it('bundles without Dawn and passes the conformance suite on navigator.gpu', { timeout: 240_000 }, async () => {
    built = await bundle('test/fixtures/browser-entry.ts', 'browser');
    expect(built.code).toContain('navigator');
    expect(built.code).not.toMatch(/dawn\.node|createRequire|from "webgpu"|import\("webgpu"\)/);
    expect(built.code).toContain('Dawn (the `webgpu` package) is for Node only');
    const url = await serve(built.dir);
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      await page.goto(url);
      await page.waitForFunction(() => (globalThis as unknown as { __result?: unknown }).__result !== undefined);
      const result = (await page.evaluate(() => (globalThis as unknown as { __result: Promise<PageResult | { error: string }> }).__result)) as PageResult | { error: string };
      expect(errors).toEqual([]);
      if ('error' in result) throw new Error(`the page failed: ${result.error}`);
      expect(result.hadNavigatorGpu).toBe(true);
      if (!result.adapter) {
        console.warn(`[kernels-webgpu] browser: navigator.gpu has no adapter (${result.reason}); conformance not run`);
        return;
      }
      const ok = result.reports.filter((r) => r.ok).length;
      const worst = Math.max(...result.reports.map((r) => r.maxAbsError));
      console.log(`[kernels-webgpu] browser (${await browser.version()}): ${result.adapter}; ${ok}/${result.reports.length} cases within tolerance, max |Δ| ${worst.toExponential(1)}`);
      for (const r of result.reports) expect(r.ok, r.message).toBe(true);
      expect(result.reports.length).toBeGreaterThan(30);
    } finally {
      await browser.close();
    }
  });
});
