import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/index.js';
import { ROOT, SAMPLE, start, vectorCase } from './helpers.js';

const CHROMIUM = '/usr/bin/chromium';
/** docs/architecture.md §4: Debian's Chromium, headless, no network services, WebGPU on (SwiftShader without a GPU). */
const ARGS = ['--headless', '--no-sandbox', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic', '--enable-unsafe-webgpu'];
const WEB_DIR = resolve(ROOT, 'apps/web/dist');
const CLI = resolve(ROOT, 'packages/cli/bin/d2pruner.js');
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`[web] SKIPPING the browser test: ${CHROMIUM} is absent (apt-get install chromium; .ci/run installs it)`);

interface Core {
  keep: number[];
  pivots?: number[];
  picks?: number[];
  rounds?: number;
}
type Result = ({ ok: true; ms: number; backend: string } & Core) | { ok: false; ms: number; error: { code: string; field: string; message: string } };
interface Snapshot {
  state: string;
  adapter: { available: boolean; description: string } | null;
  scene: { name: string; n: number } | null;
  results: Record<string, Record<string, Result>>;
  agree: Record<string, boolean | null>;
  error: string | null;
  runs: number;
}

let server: RunningServer;
beforeAll(async () => {
  if (!hasChromium) return;
  if (!existsSync(join(WEB_DIR, 'index.html'))) throw new Error(`${WEB_DIR} is not built: npm run build -w @d2pruner/web (nx builds it before this test)`);
  server = await start({ webDir: WEB_DIR, backend: 'cpu' });
});
afterAll(async () => {
  await server?.close();
});

/** What `d2pruner prune SAMPLE --method d2pruner --keep 64 --json` prints. */
function cliSelection(): Core {
  if (!existsSync(resolve(ROOT, 'packages/cli/dist/main.js')) && !existsSync(resolve(ROOT, 'packages/cli/dist/index.js'))) throw new Error('the CLI is not built (nx builds it before this test)');
  const r = spawnSync(process.execPath, [CLI, 'prune', SAMPLE, '--method', 'd2pruner', '--keep', '64', '--json'], { encoding: 'utf8', cwd: ROOT });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Core;
}

function core(x: Core): Core {
  return { keep: x.keep, pivots: x.pivots, picks: x.picks, rounds: x.rounds };
}

describe.skipIf(!hasChromium)('the web app in headless Chromium', () => {
  it('runs D2Pruner on WebGPU and on the CPU in the page with the selections of the CLI and the server; reports a corrupt drop', { timeout: 300_000 }, async () => {
    const spec = vectorCase('llava-7.safetensors', 64).expected;
    const cli = core(cliSelection());
    expect(cli).toEqual(core(spec));

    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
    try {
      const page = await browser.newPage({ viewport: { width: 1500, height: 900 } });
      const pageErrors: string[] = [];
      const foreign: string[] = [];
      const logs: string[] = [];
      page.on('pageerror', (e) => pageErrors.push(String(e)));
      page.on('console', (m) => logs.push(m.text()));
      page.on('request', (r) => {
        if (!r.url().startsWith(server.url) && !r.url().startsWith('data:')) foreign.push(r.url());
      });
      await page.goto(`${server.url}/?sample=llava-sample&keep=64&methods=d2pruner&backends=webgpu,cpu,server`);
      await page.waitForFunction("document.body.dataset.state === 'done' || document.body.dataset.state === 'error'", undefined, { timeout: 240_000 });
      const snap = (await page.evaluate('window.__d2pruner')) as Snapshot;
      expect(snap.error).toBeNull();
      expect(snap.scene).toMatchObject({ name: 'llava-sample.safetensors', n: 576 });
      console.log(`[web] ${await browser.version()}: ${logs.find((l) => l.startsWith('[d2pruner] WebGPU adapter')) ?? 'no adapter line'}`);
      const r = snap.results.d2pruner;
      const cpu = r.cpu;
      const srv = r.server;
      expect(cpu.ok && srv.ok).toBe(true);
      if (cpu.ok) expect(core(cpu)).toEqual(cli);
      if (srv.ok) expect(core(srv)).toEqual(cli);
      if (cpu.ok) expect(cpu.backend).toBe('cpu');
      if (snap.adapter?.available) {
        const gpu = r.webgpu;
        expect(gpu?.ok, JSON.stringify(gpu)).toBe(true);
        if (gpu?.ok) {
          expect(gpu.backend).toBe('webgpu');
          expect(core(gpu)).toEqual(cli);
          console.log(`[web] D2Pruner keep 64: WebGPU ${gpu.ms.toFixed(1)} ms, CPU ${cpu.ms.toFixed(1)} ms, server ${srv.ms.toFixed(1)} ms — identical selections`);
        }
        expect(snap.agree.d2pruner).toBe(true);
      } else {
        console.warn(`[web] SKIPPING the WebGPU comparison: the page found no adapter (${snap.adapter?.description})`);
      }
      expect(await page.locator('article.card[data-method=d2pruner] canvas').count()).toBe(1);

      // A drop of twelve bytes that are not a safetensors file, dispatched as the browser would.
      await page.evaluate(`(() => {
        const dt = new DataTransfer();
        dt.items.add(new File([new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])], 'corrupt.safetensors'));
        document.getElementById('drop').dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
      })()`);
      await page.waitForFunction("document.body.dataset.state === 'error'", undefined, { timeout: 30_000 });
      const alert = page.locator('#error');
      expect(await alert.isVisible()).toBe(true);
      const text = await alert.textContent();
      expect(text).toMatch(/Could not read corrupt\.safetensors: CORRUPT_FILE \(header\)/);
      console.log(`[web] corrupt drop → ${text}`);

      await page.goto(`${server.url}/?sample=llava-sample&keep=64&methods=d2pruner,fastv,divprune,uniform`);
      await page.waitForFunction("document.body.dataset.state === 'done'", undefined, { timeout: 240_000 });
      expect(await page.locator('article.card canvas').count()).toBe(4);
      // The screenshot shows the app as it opens: its own defaults, no query string.
      await page.goto(`${server.url}/`);
      await page.waitForFunction("document.body.dataset.state === 'done'", undefined, { timeout: 240_000 });
      const shot = process.env.UPDATE_SCREENSHOT === '1' ? resolve(ROOT, 'docs/screenshot.png') : join(mkdtempSync(join(tmpdir(), 'd2pruner-shot-')), 'screenshot.png');
      const png = await page.screenshot({ fullPage: true });
      writeFileSync(shot, png);
      expect(png.subarray(1, 4).toString()).toBe('PNG');
      console.log(`[web] screenshot: ${shot} (${png.byteLength} bytes)`);
      expect(pageErrors).toEqual([]);
      expect(foreign).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
