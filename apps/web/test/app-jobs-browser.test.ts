import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import type { AppSnapshot } from '../src/app.js';
import type { EvalTabSnapshot } from '../src/eval/tab.js';
import { BuiltApp, chromiumOrSkip, withPage } from './browser.js';

const hasChromium = chromiumOrSkip('the job, error-field, cancel and narrow-layout browser tests');

const SAMPLES = resolve(import.meta.dirname, '../../../fixtures/samples');
const files: Record<string, Buffer> = {
  'llava-sample': readFileSync(join(SAMPLES, 'llava-sample.safetensors')),
  'internvl-sample': readFileSync(join(SAMPLES, 'internvl-sample.safetensors')),
};

const app = new BuiltApp();
afterAll(() => app.dispose());

/** Serves the built app, two samples and their list; a sample download waits while `hold` names it (released by `release`). */
async function serve() {
  const held = { name: '', release: () => {} };
  const url = await app.serve((path, _req, res) => {
    if (path === '/v1/samples') {
      const list = Object.entries(files).map(([name, b]) => ({ name, url: `/samples/${name}.safetensors`, bytes: b.length, n: name.startsWith('llava') ? 576 : 1792, d: 0 }));
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(list));
      return true;
    }
    const m = /^\/samples\/(.+)\.safetensors$/.exec(path);
    if (m && files[m[1]]) {
      const send = () => res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(files[m[1]]);
      // one release per held download: a load cancelled before its request reached us leaves no
      // download held, and releasing then must not answer the earlier, already released one again
      if (held.name === m[1])
        held.release = () => {
          held.release = () => {};
          send();
        };
      else send();
      return true;
    }
    return false;
  });
  return { url, held };
}

const snapshot = async (page: Page) => (await page.evaluate(() => (window as unknown as { __d2pruner: AppSnapshot }).__d2pruner)) as AppSnapshot;
const settled = (page: Page) => page.waitForFunction("['done', 'error', 'idle'].includes(document.body.dataset.state)", undefined, { timeout: 120_000 });

describe.skipIf(!hasChromium)('jobs, errors and layout in headless Chromium', () => {
  it('the view tabs follow the tabs pattern on the keyboard: arrows (wrapping), Home and End select and focus; only the selected tab is in the Tab order', { timeout: 120_000 }, async () => {
    const { url } = await serve();
    await withPage(async (page, errors) => {
      await page.goto(`${url}?backends=cpu`);
      await page.waitForFunction("document.body.dataset.state === 'done'", undefined, { timeout: 120_000 });
      const state = () =>
        page.evaluate(() => ({
          selected: [...document.querySelectorAll('[role="tab"]')].filter((t) => t.getAttribute('aria-selected') === 'true').map((t) => t.id),
          focused: document.activeElement?.id,
          visible: [...document.querySelectorAll<HTMLElement>('[role="tabpanel"]')].filter((p) => !p.hidden).map((p) => p.id),
          tabindex: [...document.querySelectorAll<HTMLElement>('[role="tab"]')].map((t) => t.tabIndex),
        }));
      expect((await state()).tabindex).toEqual([0, -1]);
      await page.focus('#tab-compare');
      await page.keyboard.press('ArrowRight');
      expect(await state()).toEqual({ selected: ['tab-evaluate'], focused: 'tab-evaluate', visible: ['panel-evaluate'], tabindex: [-1, 0] });
      await page.keyboard.press('ArrowRight');
      expect(await state()).toEqual({ selected: ['tab-compare'], focused: 'tab-compare', visible: ['panel-compare'], tabindex: [0, -1] });
      await page.keyboard.press('ArrowLeft');
      expect((await state()).selected).toEqual(['tab-evaluate']);
      await page.keyboard.press('Home');
      expect((await state()).selected).toEqual(['tab-compare']);
      await page.keyboard.press('End');
      expect((await state()).selected).toEqual(['tab-evaluate']);
      await page.click('#tab-compare');
      expect(await state()).toMatchObject({ selected: ['tab-compare'], visible: ['panel-compare'], tabindex: [0, -1] });
      expect(errors).toEqual([]);
    });
  });

  it('a Prune (or a slider move) while a chosen sample downloads runs on that sample instead of dropping it; Cancel stops a load', { timeout: 240_000 }, async () => {
    const { url, held } = await serve();
    await withPage(async (page, errors) => {
      await page.goto(`${url}?backends=cpu`);
      await page.waitForFunction("document.body.dataset.state === 'done'", undefined, { timeout: 120_000 });
      expect((await snapshot(page)).scene?.name).toBe('llava-sample.safetensors');

      held.name = 'internvl-sample';
      await page.selectOption('#sample', 'internvl-sample');
      await page.click('#load-sample');
      await page.waitForFunction("document.body.dataset.state === 'loading'");
      await page.fill('#keep', '100');
      await page.click('#run');
      await page.waitForTimeout(300);
      held.name = '';
      held.release();
      await page.waitForFunction("document.body.dataset.state === 'done'", undefined, { timeout: 120_000 });
      const snap = await snapshot(page);
      expect(snap.scene?.name).toBe('internvl-sample.safetensors');
      expect(snap.results.d2pruner?.cpu).toMatchObject({ ok: true });
      expect((snap.results.d2pruner?.cpu as { keep: number[] }).keep).toHaveLength(100);
      expect(await page.locator('#status').textContent()).toContain('on internvl-sample.safetensors, keep 100');

      // Cancel while a sample downloads: the page stops, keeps its scene, and the late answer changes nothing.
      held.name = 'llava-sample';
      await page.selectOption('#sample', 'llava-sample');
      await page.click('#load-sample');
      await page.waitForFunction("document.body.dataset.state === 'loading'");
      expect(await page.isEnabled('#cancel')).toBe(true);
      await page.click('#cancel');
      await page.waitForFunction("document.body.dataset.state === 'idle'");
      held.release();
      await page.waitForTimeout(500);
      expect(await page.evaluate(() => document.body.dataset.state)).toBe('idle');
      expect(await page.locator('#status').textContent()).toBe('loading cancelled');
      expect((await snapshot(page)).scene?.name).toBe('internvl-sample.safetensors');
      expect(await page.isDisabled('#cancel')).toBe(true);
      expect(errors).toEqual([]);
    });
  });

  it('names the code and the field of an invalid box, marks that box invalid, and leaves the previous results alone', { timeout: 240_000 }, async () => {
    const { url } = await serve();
    await withPage(async (page, errors) => {
      await page.goto(`${url}?backends=cpu`);
      await page.waitForFunction("document.body.dataset.state === 'done'", undefined, { timeout: 120_000 });
      await page.fill('#pivot-ratio', '');
      await page.click('#run');
      await page.waitForFunction("document.body.dataset.state === 'error'", undefined, { timeout: 30_000 });
      expect(await page.locator('#error').textContent()).toBe("INVALID_ARGUMENT (pivot ratio): pivot ratio must be a number, got ''");
      expect(await page.getAttribute('#pivot-ratio', 'aria-invalid')).toBe('true');
      expect(await page.getAttribute('#pivot-ratio', 'aria-describedby')).toBe('error');
      expect((await snapshot(page)).results.d2pruner?.cpu).toMatchObject({ ok: true });
      expect(await page.locator('#cards .card').count()).toBe(1);

      await page.fill('#pivot-ratio', '0.7');
      await page.click('#run');
      await page.waitForFunction("document.body.dataset.state === 'done'", undefined, { timeout: 120_000 });
      expect(await page.getAttribute('#pivot-ratio', 'aria-invalid')).toBeNull();
      expect(await page.locator('#error').isHidden()).toBe(true);
      expect(errors).toEqual([]);
    });
  });

  it('fits a 360 px wide screen: no page-wide horizontal scroll on either tab (a wide table scrolls in its own box)', { timeout: 240_000 }, async () => {
    const { url } = await serve();
    await withPage(async (page, errors) => {
      await page.setViewportSize({ width: 360, height: 800 });
      const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      await page.goto(`${url}?backends=cpu&methods=d2pruner,fastv`);
      await settled(page);
      expect(await overflow()).toBe(0);
      await page.click('#tab-evaluate');
      await page.fill('#eval-count', '1');
      await page.fill('#eval-methods', 'fastv,uniform');
      await page.fill('#eval-ratios', '0.1,0.2');
      await page.click('#eval-run');
      await page.waitForSelector('body[data-eval-state=done], body[data-eval-state=error]', { timeout: 180_000 });
      expect(await page.evaluate(() => (window as unknown as { __d2prunerEval: EvalTabSnapshot }).__d2prunerEval.error)).toBeNull();
      expect(await overflow()).toBe(0);
      expect(errors).toEqual([]);
    });
  });

  it('Cancel on the Evaluate tab stops the evaluation between scenes: no table, a status saying so', { timeout: 240_000 }, async () => {
    const { url } = await serve();
    await withPage(async (page, errors) => {
      await page.goto(url);
      await page.click('#tab-evaluate');
      expect(await page.isDisabled('#eval-cancel')).toBe(true);
      await page.fill('#eval-count', '200');
      await page.click('#eval-run');
      await page.waitForFunction(() => /^\d+ \/ 200 scenes$/.test(document.getElementById('eval-status')?.textContent ?? ''), undefined, { timeout: 120_000 });
      await page.click('#eval-cancel');
      expect(await page.evaluate(() => document.body.dataset.evalState)).toBe('idle');
      const status = await page.locator('#eval-status').textContent();
      expect(status).toMatch(/^cancelled after \d+ \/ 200 scenes$/);
      await page.waitForTimeout(1000);
      expect(await page.locator('#eval-status').textContent()).toBe(status);
      expect(await page.locator('#eval-report-table').innerHTML()).toBe('');
      expect(await page.isDisabled('#eval-cancel')).toBe(true);
      expect(errors).toEqual([]);
    });
  });
});
