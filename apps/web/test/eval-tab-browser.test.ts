import type { Page } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import type { EvalTabSnapshot } from '../src/eval/tab.js';
import { BuiltApp, chromiumOrSkip, withPage } from './browser.js';

const hasChromium = chromiumOrSkip('the Evaluate tab browser test');

/** The built app alone: /v1 answers 404, as with no server behind it. */
const app = new BuiltApp();
afterAll(() => app.dispose());

/** Runs `body` on a fresh page of the served app, switched to the Evaluate tab. */
async function onEvalTab(body: (page: Page, errors: string[]) => Promise<void>): Promise<void> {
  const url = await app.serve();
  await withPage(async (page, errors) => {
    await page.goto(url);
    await page.click('nav.tabs button[value=evaluate]');
    await body(page, errors);
  });
}

describe.skipIf(!hasChromium)('the Evaluate tab in headless Chromium', () => {
  it('runs the labelled sample scenes in the page and shows the table and the charts of the command-line report', { timeout: 240_000 }, async () => {
    const url = await app.serve();
    await withPage(async (page, errors) => {
      const offsite: string[] = [];
      await page.route('**/*', (route) => (route.request().url().startsWith(url) ? route.continue() : (offsite.push(route.request().url()), route.abort())));
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
    });
  });

  it('says why a method was skipped on every scene (DART needs keys the scenes do not carry): the table shows dashes, the list under it the reason', { timeout: 240_000 }, async () => {
    await onEvalTab(async (page, errors) => {
      await page.fill('#eval-count', '2');
      await page.fill('#eval-methods', 'dart,fastv');
      await page.fill('#eval-ratios', '0.1');
      await page.click('#eval-run');
      await page.waitForSelector('body[data-eval-state=done], body[data-eval-state=error]', { timeout: 180_000 });
      const items = await page.$$eval('#eval-skips li', (lis) => lis.map((li) => li.textContent ?? ''));
      expect(items).toHaveLength(1);
      expect(items[0]).toMatch(/^dart \(ratio 0\.1\): 2 file\(s\) skipped — \[MISSING_TENSOR\] keys/);
      expect(errors).toEqual([]);
    });
  });

  it('refuses a Scenes count above 200 (typed 1e6, or max removed in devtools) and an empty Strength box in the tab, before any work', { timeout: 240_000 }, async () => {
    await onEvalTab(async (page, errors) => {
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
    });
  });

  it('a second Evaluate click replaces the run in flight (only the newest run writes), and a success clears an earlier error', { timeout: 240_000 }, async () => {
    await onEvalTab(async (page, errors) => {
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
    });
  });
});
