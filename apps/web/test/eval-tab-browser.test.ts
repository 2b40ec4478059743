import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { EvalTabSnapshot } from '../src/eval/tab.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic'];
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`[web] SKIPPING the Evaluate tab browser test: ${CHROMIUM} is absent (apt-get install chromium)`);

const out = mkdtempSync(join(tmpdir(), 'd2p-web-'));
let server: Server | undefined;
afterAll(() => {
  server?.close();
  rmSync(out, { recursive: true, force: true });
});

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.map': 'application/json' };

/** Serves the built app (and nothing else: /v1 answers 404, as with no server behind it). */
async function serve(dir: string): Promise<string> {
  server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const file = normalize(join(dir, path === '/' ? 'index.html' : path));
    if (!file.startsWith(dir) || !existsSync(file)) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

let served: Promise<string> | undefined;
/** Builds the app and serves it, once for the file's tests. */
function app(): Promise<string> {
  served ??= (async () => {
    const { build } = await import('vite');
    await build({ root: join(import.meta.dirname, '..'), logLevel: 'silent', build: { outDir: out, emptyOutDir: true, sourcemap: false } });
    return serve(out);
  })();
  return served;
}

describe.skipIf(!hasChromium)('the Evaluate tab in headless Chromium', () => {
  it('runs the labelled sample scenes in the page and shows the table and the charts of the command-line report', { timeout: 240_000 }, async () => {
    const url = await app();
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
    try {
      const page = await browser.newPage({ viewport: { width: 1300, height: 1000 } });
      const offsite: string[] = [];
      await page.route('**/*', (route) => (route.request().url().startsWith(url) ? route.continue() : (offsite.push(route.request().url()), route.abort())));
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      await page.goto(url);
      await page.click('nav.tabs button[value=evaluate]');
      expect(await page.isVisible('#eval-run')).toBe(true);
      await page.fill('#eval-count', '8');
      await page.click('#eval-run');
      await page.waitForSelector('body[data-eval-state=done], body[data-eval-state=error]', { timeout: 180_000 });
      const snap = (await page.evaluate(() => (window as unknown as { __d2prunerEval: EvalTabSnapshot }).__d2prunerEval)) as EvalTabSnapshot;
      expect(snap.error).toBeNull();
      const report = snap.result!.report;
      expect(report.files).toBe(8);
      const shown = await page.$$eval('#eval-table td[data-field=referentShare]', (tds) => tds.map((td) => Number((td as HTMLElement).dataset.value)));
      expect(shown).toEqual(report.results.map((r) => r.referentShare));
      for (const metric of ['referentHit', 'referentShare', 'objectRecall']) expect(await page.locator(`#eval-sweep-${metric} svg .mark-line.role-mark path`).count(), metric).toBe(3);
      expect(await page.locator('#eval-grids svg').count()).toBe(3);
      expect(errors).toEqual([]);
      expect(offsite).toEqual([]);
      if (process.env.EVAL_TAB_SCREENSHOT) await page.screenshot({ path: process.env.EVAL_TAB_SCREENSHOT, fullPage: true });
    } finally {
      await browser.close();
    }
  });

  it('refuses a Scenes count above 200 (typed 1e6, or max removed in devtools) and an empty Strength box in the tab, before any work', { timeout: 240_000 }, async () => {
    const url = await app();
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
    try {
      const page = await browser.newPage({ viewport: { width: 1300, height: 1000 } });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      await page.goto(url);
      await page.click('nav.tabs button[value=evaluate]');
      await page.evaluate(() => {
        const w = window as unknown as { statuses: string[] };
        w.statuses = [];
        const status = document.getElementById('eval-status')!;
        new MutationObserver(() => w.statuses.push(status.textContent ?? '')).observe(status, { childList: true, characterData: true, subtree: true });
      });
      const refused = async (box: string, value: string, message: string) => {
        await page.evaluate(() => delete document.body.dataset.evalState);
        await page.fill(box, value);
        const t0 = Date.now();
        await page.click('#eval-run');
        await page.waitForSelector('body[data-eval-state=error]', { timeout: 10_000 });
        expect(Date.now() - t0, value).toBeLessThan(5_000);
        expect(await page.locator('#eval-error').textContent()).toBe(message);
        expect(await page.isVisible('#eval-error')).toBe(true);
      };
      await refused('#eval-count', '1e6', "INVALID_ARGUMENT (count): scenes must be a whole number from 1 to 200, got '1e6'");
      await page.evaluate(() => document.getElementById('eval-count')!.removeAttribute('max'));
      await refused('#eval-count', '5000', "INVALID_ARGUMENT (count): scenes must be a whole number from 1 to 200, got '5000'");
      await page.fill('#eval-count', '2');
      await refused('#eval-strength', '', "INVALID_ARGUMENT (strength): strength must be a number from 0 to 20, got ''");
      // No scene was run: the status never showed progress.
      expect((await page.evaluate(() => (window as unknown as { statuses: string[] }).statuses)).filter((t) => t.includes('scenes'))).toEqual([]);
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  });

  it('a second Evaluate click replaces the run in flight (only the newest run writes), and a success clears an earlier error', { timeout: 240_000 }, async () => {
    const url = await app();
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
    try {
      const page = await browser.newPage({ viewport: { width: 1300, height: 1000 } });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      await page.goto(url);
      await page.click('nav.tabs button[value=evaluate]');
      const snapshot = async () => (await page.evaluate(() => (window as unknown as { __d2prunerEval: EvalTabSnapshot }).__d2prunerEval)) as EvalTabSnapshot;

      await page.fill('#eval-methods', 'nosuch');
      await page.click('#eval-run');
      await page.waitForSelector('body[data-eval-state=error]', { timeout: 60_000 });
      expect((await snapshot()).error).toMatch(/unknown method 'nosuch'/);

      // A long run, replaced 200 ms later by a short one; the status line records every text it shows.
      await page.fill('#eval-methods', 'd2pruner,fastv');
      await page.evaluate(() => {
        const w = window as unknown as { statuses: string[] };
        w.statuses = [];
        const status = document.getElementById('eval-status')!;
        new MutationObserver(() => w.statuses.push(status.textContent ?? '')).observe(status, { childList: true, characterData: true, subtree: true });
        (document.getElementById('eval-count') as HTMLInputElement).value = '60';
        document.getElementById('eval-run')!.click();
        setTimeout(() => {
          (document.getElementById('eval-count') as HTMLInputElement).value = '3';
          document.getElementById('eval-run')!.click();
        }, 200);
      });
      await page.waitForFunction(() => (window as unknown as { statuses: string[] }).statuses.includes('3 scenes evaluated'), undefined, { timeout: 180_000 });
      // Give a run that was not cancelled the time to finish and overwrite the page.
      await page.waitForTimeout(8_000);
      const snap = await snapshot();
      expect(snap.state).toBe('done');
      expect(snap.error).toBeNull();
      expect(snap.result?.report.files).toBe(3);
      expect(await page.locator('#eval-status').textContent()).toBe('3 scenes evaluated');
      expect(await page.$$eval('#eval-table td[data-field=files]', (tds) => tds.map((td) => td.textContent))).toEqual(['3', '3', '3', '3', '3', '3']);
      expect(await page.locator('[id=eval-table]').count()).toBe(1);
      const statuses = await page.evaluate(() => (window as unknown as { statuses: string[] }).statuses);
      const afterSecond = statuses.slice(statuses.findIndex((t) => t.endsWith('/ 3 scenes')));
      expect(afterSecond.filter((t) => t.includes('60'))).toEqual([]);
      expect(await page.isHidden('#eval-error')).toBe(true);
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
