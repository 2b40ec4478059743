import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { EvalReport } from '@d2pruner/pipeline';
import { runCli, sceneFiles } from './helpers.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic'];
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`[cli] SKIPPING the eval report browser test: ${CHROMIUM} is absent (apt-get install chromium)`);

const dir = mkdtempSync(join(tmpdir(), 'd2p-report-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!hasChromium)('d2pruner eval --report in headless Chromium with the network blocked', () => {
  it('renders the table, a sweep per metric with one line per method, and the token grids; the numbers equal the JSON', { timeout: 180_000 }, async () => {
    expect((await runCli(['scenes', dir, '--count', '8', '--seed', '3'])).code).toBe(0);
    const files = sceneFiles(dir);
    const html = join(dir, 'report.html');
    const r = await runCli(['eval', ...files, '--ratio', '0.05,0.1,0.2', '--prior', join(dir, 'prior.safetensors'), '--json', '--report', html]);
    expect(r.code, r.err).toBe(0);
    const report = JSON.parse(r.out) as EvalReport;
    expect(readFileSync(html, 'utf8')).not.toMatch(/<script[^>]+src=|<link[^>]+href=/);

    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
    try {
      const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
      const blocked: string[] = [];
      await context.route('**/*', (route) => {
        const url = route.request().url();
        if (url === pathToFileURL(html).href) return route.continue();
        blocked.push(url);
        return route.abort();
      });
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      await page.goto(pathToFileURL(html).href);
      await page.waitForSelector('body[data-ready]', { timeout: 60_000 });
      expect(await page.getAttribute('body', 'data-ready'), await page.textContent('#eval-error') ?? '').toBe('true');
      expect(errors).toEqual([]);
      expect(blocked).toEqual([]);

      const rows = await page.$$eval('#eval-table tbody tr', (trs) =>
        trs.map((tr) => Object.fromEntries([...tr.querySelectorAll('td')].map((td) => [td.dataset.field, { text: td.textContent, value: td.dataset.value }]))),
      );
      expect(rows).toHaveLength(report.results.length);
      report.results.forEach((res, k) => {
        const row = rows[k];
        expect(row.method.text).toBe(res.method);
        expect(row.budget.text).toBe(`ratio ${'ratio' in res.budget ? res.budget.ratio : ''}`);
        expect(Number(row.files.value)).toBe(res.files);
        for (const key of ['referentHit', 'referentShare', 'objectRecall'] as const) {
          expect(Number(row[key].value), `${res.method} ${key}`).toBe(res[key]);
          expect(row[key].text).toBe((res[key] as number).toFixed(3));
        }
      });

      const methods = new Set(report.results.map((x) => x.method)).size;
      const labels = { referentHit: 'referent hit', referentShare: 'referent share', objectRecall: 'object recall' } as const;
      for (const [metric, label] of Object.entries(labels) as [keyof typeof labels, string][]) {
        const points = await page.locator(`#sweep-${metric} svg .mark-symbol.role-mark path`).evaluateAll((ps) => ps.map((p) => p.getAttribute('aria-label') ?? ''));
        const plotted = points.map((a) => Object.fromEntries(a.split('; ').map((kv: string) => kv.split(': ') as [string, string])));
        for (const res of report.results) {
          const point = plotted.find((p) => p.method === res.method && Math.abs(Number(p['kept ratio']) - (res.keptRatio as number)) < 1e-9);
          expect(point, `${metric} ${res.method} ${res.keptRatio}`).toBeDefined();
          expect(Math.abs(Number(point?.[label]) - (res[metric] as number)), `${metric} ${res.method}`).toBeLessThan(1e-9);
        }
        expect(await page.locator(`#sweep-${metric} svg`).count(), metric).toBe(1);
        expect(await page.locator(`#sweep-${metric} svg .mark-line.role-mark path`).count(), metric).toBe(methods);
        expect(await page.locator(`#sweep-${metric} svg .mark-symbol.role-mark path`).count(), metric).toBe(report.results.length);
      }
      expect(await page.locator('#grid-0 svg .mark-rect.role-mark path').count()).toBe(methods * 576);
      expect(await page.locator('.grid svg').count()).toBe(3);
      if (process.env.EVAL_REPORT_SCREENSHOT) await page.screenshot({ path: process.env.EVAL_REPORT_SCREENSHOT, fullPage: true });
    } finally {
      await browser.close();
    }
  });
});
