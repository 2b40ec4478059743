import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { RunningServer } from '../src/index.js';
import { ROOT, sleep, start } from './helpers.js';

const CHROMIUM = '/usr/bin/chromium';
/** docs/architecture.md: Debian's Chromium, headless, no network services, WebGPU on (SwiftShader without a GPU). */
const ARGS = ['--headless', '--no-sandbox', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic', '--enable-unsafe-webgpu'];
const WEB_DIR = resolve(ROOT, 'apps/web/dist');
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`[web-app] SKIPPING the browser tests: ${CHROMIUM} is absent (apt-get install chromium; .ci/run installs it)`);

type Result = { ok: true; backend: string; keep: number[] } | { ok: false; error: { code: string } } | { ok: 'skipped'; reason: string };
interface Snapshot {
  state: string;
  adapter: { available: boolean; software: boolean; eligible: boolean; description: string } | null;
  scene: { name: string; n: number } | null;
  results: Record<string, Record<string, Result>>;
  targets: string[];
  runs: number;
  started: number;
}

let server: RunningServer;
let browser: Browser;
beforeAll(async () => {
  if (!hasChromium) return;
  if (!existsSync(join(WEB_DIR, 'index.html'))) throw new Error(`${WEB_DIR} is not built: npm run build -w @d2pruner/web (nx builds it before this test)`);
  server = await start({ webDir: WEB_DIR, backend: 'auto' });
  const { chromium } = await import('playwright-core');
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const snapshot = (page: Page) => page.evaluate('window.__d2pruner') as Promise<Snapshot>;

async function newPage(): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  return { page, errors };
}

/** Selects grid6-7 and clicks Load, as a person would, once the sample list is there; returns the page state just before the click. */
async function loadGrid6(page: Page): Promise<string> {
  await page.waitForSelector('#sample option[value="grid6-7"]', { state: 'attached' });
  await page.selectOption('#sample', 'grid6-7');
  const state = (await snapshot(page)).state;
  await page.click('#load-sample');
  return state;
}

/** After the newest job is done and the superseded one had time to finish: only grid6-7 results, and the status names it. */
async function expectOnlyGrid6(page: Page, settleMs: number): Promise<void> {
  await page.waitForFunction("document.body.dataset.state === 'done' && window.__d2pruner.scene?.name === 'grid6-7.safetensors'", undefined, { timeout: 120_000 });
  await sleep(settleMs);
  const snap = await snapshot(page);
  expect(snap.state).toBe('done');
  expect(snap.scene).toMatchObject({ name: 'grid6-7.safetensors', n: 36 });
  const subs = await page.locator('article.card h2 .sub').allTextContents();
  expect(subs.length).toBeGreaterThan(0);
  for (const s of subs) expect(s).toMatch(/keeps \d+ of 36$/);
  for (const [method, byTarget] of Object.entries(snap.results)) {
    for (const [target, r] of Object.entries(byTarget)) {
      if (r.ok === true) expect(r.keep.every((k) => k < 36), `${method} on ${target}`).toBe(true);
    }
  }
  expect(await page.locator('#status').textContent()).toContain('grid6-7');
  expect(await page.locator('#scene').textContent()).toContain('grid6-7');
}

describe.skipIf(!hasChromium)('the web app never shows a superseded run', () => {
  it('Load while the first sample is still downloading: only the new file’s results', { timeout: 180_000 }, async () => {
    const { page, errors } = await newPage();
    try {
      // The first job's download is held for 1.5 s, so the click below lands while it is in flight.
      await page.route('**/samples/llava-sample.safetensors', async (route) => {
        await sleep(1500);
        await route.continue().catch(() => undefined);
      });
      await page.goto(`${server.url}/`);
      const atClick = await loadGrid6(page);
      console.log(`[web-app] clicked Load grid6-7 while the first job was '${atClick}'`);
      expect(atClick).toBe('loading');
      await expectOnlyGrid6(page, 2500);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('Load while the first run is waiting on the server: it is cancelled, its results never appear', { timeout: 180_000 }, async () => {
    const { page, errors } = await newPage();
    try {
      let held = 0;
      let aborted = 0;
      page.on('requestfailed', (r) => {
        if (r.url().includes('sample=llava-sample')) aborted++;
      });
      await page.route('**/v1/prune?*', async (route) => {
        if (!route.request().url().includes('sample=llava-sample')) return route.continue();
        held++;
        await sleep(2000);
        await route.continue().catch(() => undefined);
      });
      await page.goto(`${server.url}/?methods=d2pruner,fastv,divprune&backends=cpu,server`);
      await page.waitForFunction("document.body.dataset.state === 'running' && window.__d2pruner.scene?.n === 576", undefined, { timeout: 60_000 });
      await page.waitForFunction("document.getElementById('status').textContent.includes('on server')", undefined, { timeout: 60_000 });
      expect(await loadGrid6(page)).toBe('running');
      await expectOnlyGrid6(page, 3000);
      const snap = await snapshot(page);
      expect(held).toBe(1);
      expect(snap.started).toBe(2);
      expect(snap.runs).toBe(1);
      expect(Object.keys(snap.results).sort()).toEqual(['d2pruner', 'divprune', 'fastv']);
      console.log(`[web-app] the superseded run's server request was aborted: ${aborted > 0}`);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });
});

describe.skipIf(!hasChromium)('the web app defaults to what is fast', () => {
  it('the default run does not use a software adapter; the header and the cards say where each run ran', { timeout: 180_000 }, async () => {
    const { page, errors } = await newPage();
    try {
      await page.goto(`${server.url}/`);
      await page.waitForFunction("document.body.dataset.state === 'done' || document.body.dataset.state === 'error'", undefined, { timeout: 120_000 });
      const snap = await snapshot(page);
      const header = (await page.locator('#adapter').textContent()) ?? '';
      console.log(`[web-app] adapter: ${JSON.stringify(snap.adapter)}; targets ${snap.targets.join(', ')}`);
      const rows = await page.locator('article.card tr[data-ok=true] td:nth-child(3)').allTextContents();
      const backends = Object.values(snap.results).flatMap((byTarget) => Object.values(byTarget).flatMap((r) => (r.ok === true ? [r.backend] : [])));
      expect(backends.length).toBeGreaterThan(0);
      if (snap.adapter?.available && snap.adapter.eligible) {
        console.log('[web-app] an adapter the registry’s auto would use: the default run includes WebGPU');
        expect(snap.targets).toContain('webgpu');
        expect(backends).toContain('webgpu');
      } else {
        if (!snap.adapter?.available) console.warn(`[web-app] no WebGPU adapter here (${snap.adapter?.description}); checking only that nothing ran on WebGPU`);
        else expect(header).toContain('software adapter');
        expect(snap.targets).not.toContain('webgpu');
        expect(await page.locator('input[name=backend][value=webgpu]').isChecked()).toBe(false);
        expect(backends.every((b) => b === 'cpu')).toBe(true);
        expect(header).toContain('the page runs on the CPU');
        for (const r of rows) expect(r).toMatch(/^ran on cpu;/);
      }
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });
});

describe.skipIf(!hasChromium)('every method in the app', () => {
  it('runs all nine methods on the LLaVA sample, in the page and on the server; a file without a method’s tensors says which it needs', { timeout: 240_000 }, async () => {
    const { page, errors } = await newPage();
    try {
      const all = 'd2pruner,fastv,dart,divprune,vispruner,visionzip,cdpruner,uniform,random';
      await page.goto(`${server.url}/?sample=llava-sample&methods=${all}&backends=cpu,server`);
      await page.waitForFunction("document.body.dataset.state === 'done' || document.body.dataset.state === 'error'", undefined, { timeout: 200_000 });
      const snap = await snapshot(page);
      expect(Object.keys(snap.results).sort()).toEqual(all.split(',').sort());
      for (const [method, byTarget] of Object.entries(snap.results)) {
        for (const target of ['cpu', 'server']) expect(byTarget[target]?.ok, `${method} on ${target}: ${JSON.stringify(byTarget[target])}`).toBe(true);
      }
      await page.goto(`${server.url}/?sample=grid6-7&methods=vispruner,d2pruner&backends=cpu,server`);
      await page.waitForFunction("document.body.dataset.state === 'done'", undefined, { timeout: 60_000 });
      const note = await page.locator('article.card[data-method=vispruner] .needs').textContent();
      expect(note).toContain('vispruner needs clsAttention, which grid6-7.safetensors lacks (it has features, attention, prior)');
      expect((await snapshot(page)).results.d2pruner.cpu.ok).toBe(true);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
