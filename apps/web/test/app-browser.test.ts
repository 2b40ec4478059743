import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { AppSnapshot } from '../src/app.js';
import { MAX_FILE_BYTES } from '../src/scene.js';
import { BuiltApp, chromiumOrSkip, withPage } from './browser.js';
import { blackPng } from './png.js';

const hasChromium = chromiumOrSkip('the Compare tab browser test');

const SAMPLES = resolve(import.meta.dirname, '../../../fixtures/samples');
const llava = readFileSync(join(SAMPLES, 'llava-sample.safetensors'));
const internvl = readFileSync(join(SAMPLES, 'internvl-sample.safetensors'));

const app = new BuiltApp();
afterAll(() => app.dispose());

/**
 * Serves the built app, the sample list (held back until `release` is called, as a slow server
 * would) and the llava sample (each request counted); any other /v1 path answers 404.
 */
async function serve() {
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  let listAsked!: () => void;
  const listRequested = new Promise<void>((r) => (listAsked = r));
  const hits = { sample: 0 };
  const url = await app.serve((path, _req, res) => {
    if (path === '/v1/samples') {
      listAsked();
      void released.then(() => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify([{ name: 'llava-sample', url: '/samples/llava-sample.safetensors', bytes: llava.length, n: 576, d: 256 }])));
      return true;
    }
    if (path === '/samples/llava-sample.safetensors') {
      hits.sample++;
      res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(llava);
      return true;
    }
    return false;
  });
  return { url, release, listRequested, hits };
}

describe.skipIf(!hasChromium)('the Compare tab in headless Chromium', () => {
  it('keeps a file dropped while the page is still starting (the default sample does not replace it); refuses an oversized drop before reading it', { timeout: 240_000 }, async () => {
    const { url, release, listRequested, hits } = await serve();
    await withPage(async (page, errors) => {
      const snapshot = async () => (await page.evaluate(() => (window as unknown as { __d2pruner: AppSnapshot }).__d2pruner)) as AppSnapshot;
      await page.goto(`${url}?backends=cpu`);

      // The page is waiting for the sample list; the user drops their own file meanwhile.
      await listRequested;
      await page.evaluate(async (b64) => {
        const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
        const dt = new DataTransfer();
        dt.items.add(new File([bytes], 'mine-internvl.safetensors'));
        document.getElementById('drop')!.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
      }, internvl.toString('base64'));
      await page.waitForFunction(() => {
        const s = (window as unknown as { __d2pruner: AppSnapshot }).__d2pruner;
        return s.state === 'done' && s.scene?.name === 'mine-internvl.safetensors';
      }, undefined, { timeout: 120_000 });

      // Now the list arrives: the page fills the sample menu, and must not queue the default sample.
      release();
      await page.waitForFunction(() => document.querySelectorAll('#sample option').length > 0, undefined, { timeout: 30_000 });
      await page.waitForFunction("['done', 'error'].includes(document.body.dataset.state)", undefined, { timeout: 120_000 });
      const snap = await snapshot();
      expect(snap.scene?.name).toBe('mine-internvl.safetensors');
      expect(snap.state).toBe('done');
      expect({ runs: snap.runs, started: snap.started }).toEqual({ runs: 1, started: 1 });
      expect(Object.keys(snap.results)).toEqual(['d2pruner']);
      expect(hits.sample).toBe(0);

      // A token file above the cap is refused from its size: its bytes are never read.
      await page.evaluate((bytes) => {
        const w = window as unknown as { reads: number };
        w.reads = 0;
        const read = Blob.prototype.arrayBuffer;
        Blob.prototype.arrayBuffer = function (this: Blob) {
          w.reads++;
          return read.call(this);
        };
        const dt = new DataTransfer();
        dt.items.add(new File([new Uint8Array(bytes)], 'huge.safetensors'));
        document.getElementById('drop')!.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
      }, MAX_FILE_BYTES + 1);
      await page.waitForFunction("document.body.dataset.state === 'error'", undefined, { timeout: 30_000 });
      expect(await page.locator('#error').textContent()).toBe(
        `Could not read huge.safetensors: PAYLOAD_TOO_LARGE (size) — the file has ${MAX_FILE_BYTES + 1} bytes; at most ${MAX_FILE_BYTES} (64 MiB, the server's default --max-body-bytes)`,
      );
      expect(await page.evaluate(() => (window as unknown as { reads: number }).reads)).toBe(0);
      expect(errors).toEqual([]);
    });
  });

  it('refuses a dropped image whose header declares more than 2^26 pixels without decoding it, and closes each replaced image', { timeout: 240_000 }, async () => {
    const { url, release } = await serve();
    release();
    await withPage(async (page, errors) => {
      await page.goto(`${url}?backends=cpu`);
      await page.waitForFunction("document.body.dataset.state === 'done'", undefined, { timeout: 120_000 });
      await page.evaluate((b64) => {
        const w = window as unknown as { decodes: number; closes: number; tokens: Uint8Array<ArrayBuffer>; canvasImage: (type: string) => Promise<Blob> };
        Object.assign(w, { decodes: 0, closes: 0, tokens: Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)) });
        const decode = window.createImageBitmap;
        window.createImageBitmap = ((...args: Parameters<typeof decode>) => (w.decodes++, decode(...args))) as typeof decode;
        const close = ImageBitmap.prototype.close;
        ImageBitmap.prototype.close = function (this: ImageBitmap) {
          w.closes++;
          close.call(this);
        };
        w.canvasImage = (type) => {
          const canvas = Object.assign(document.createElement('canvas'), { width: 320, height: 240 });
          canvas.getContext('2d')!.fillRect(10, 10, 100, 50);
          return new Promise((r) => canvas.toBlob((b) => r(b!), type));
        };
      }, llava.toString('base64'));
      /** Drops the llava token file with an image (PNG bytes from here, or a JPEG / WebP the page's canvas encodes). */
      const drop = async (image: { name: string; png?: Uint8Array; encode?: string }, expected: 'done' | 'error') => {
        await page.evaluate(async ({ name, png, encode }) => {
          const w = window as unknown as { tokens: Uint8Array<ArrayBuffer>; canvasImage: (type: string) => Promise<Blob> };
          const blob = png ? new Blob([Uint8Array.from(atob(png), (c) => c.charCodeAt(0))], { type: 'image/png' }) : await w.canvasImage(encode!);
          const dt = new DataTransfer();
          dt.items.add(new File([w.tokens], 'mine.safetensors'));
          dt.items.add(new File([blob], name, { type: blob.type }));
          document.body.dataset.state = 'dropping';
          document.getElementById('drop')!.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
        }, { name: image.name, png: image.png && Buffer.from(image.png).toString('base64'), encode: image.encode });
        await page.waitForFunction(`['done', 'error'].includes(document.body.dataset.state)`, undefined, { timeout: 60_000 });
        expect(await page.evaluate(() => document.body.dataset.state), image.name).toBe(expected);
        return page.evaluate(() => {
          const w = window as unknown as { decodes: number; closes: number };
          return { decodes: w.decodes, closes: w.closes };
        });
      };

      expect(await drop({ name: 'small.png', png: blackPng(48, 48) }, 'done')).toEqual({ decodes: 1, closes: 0 });
      expect(await page.locator('#scene').textContent()).toContain('with image');
      expect(await drop({ name: 'bomb.png', png: blackPng(16000, 16000) }, 'error')).toEqual({ decodes: 1, closes: 0 });
      expect(await page.locator('#error').textContent()).toBe(
        'Could not read bomb.png: INVALID_INPUT (image) — the image declares 16000×16000 pixels; at most 67108864 pixels (8192×8192) and 16384 a side, checked before decoding',
      );
      expect(await drop({ name: 'photo.jpg', encode: 'image/jpeg' }, 'done')).toEqual({ decodes: 2, closes: 1 });
      expect(await drop({ name: 'photo.webp', encode: 'image/webp' }, 'done')).toEqual({ decodes: 3, closes: 2 });
      expect(await page.locator('#scene').textContent()).toContain('with image');
      await page.click('#load-sample');
      await page.waitForFunction("document.body.dataset.state === 'done'", undefined, { timeout: 120_000 });
      expect(await page.evaluate(() => (window as unknown as { closes: number }).closes)).toBe(3);
      expect(errors).toEqual([]);
    });
  });

  it('shows a drop as loading while it is read, follows a URL keep on the slider, refuses an empty Keep box, and lets the keyboard reach the file chooser', { timeout: 240_000 }, async () => {
    const { url, release } = await serve();
    release();
    await withPage(async (page, errors) => {
      await page.goto(`${url}?backends=cpu&keep=100`);
      await page.waitForFunction("document.body.dataset.state === 'done'", undefined, { timeout: 120_000 });
      expect(await page.inputValue('#keep-range')).toBe('100');
      expect((await page.evaluate(() => (window as unknown as { __d2pruner: AppSnapshot }).__d2pruner)).results.d2pruner?.cpu).toMatchObject({ ok: true, keep: expect.any(Array) });

      // Tab through the controls: the file chooser is one stop (it has a name), the drop zone is not a nameless one.
      await page.focus('#load-sample');
      const stops: string[] = [];
      for (let k = 0; k < 8; k++) {
        await page.keyboard.press('Tab');
        stops.push(await page.evaluate(() => document.activeElement?.id ?? ''));
      }
      expect(stops.slice(0, 2)).toEqual(['files', 'keep']);

      // A drop whose bytes take a second to read: the page says it is loading, not 'done' with the old scene's state.
      await page.evaluate((b64) => {
        const read = Blob.prototype.arrayBuffer;
        Blob.prototype.arrayBuffer = function (this: Blob) {
          return new Promise((r) => setTimeout(r, 1000)).then(() => read.call(this));
        };
        const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
        const dt = new DataTransfer();
        dt.items.add(new File([bytes], 'slow-internvl.safetensors'));
        document.getElementById('drop')!.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
      }, internvl.toString('base64'));
      expect(await page.evaluate(() => document.body.dataset.state)).toBe('loading');
      await page.waitForFunction("document.body.dataset.state === 'done'", undefined, { timeout: 120_000 });
      expect((await page.evaluate(() => (window as unknown as { __d2pruner: AppSnapshot }).__d2pruner)).scene?.name).toBe('slow-internvl.safetensors');

      // An emptied Keep box is an error, not a run that keeps 0 tokens.
      await page.fill('#keep', '');
      await page.click('#run');
      await page.waitForFunction("document.body.dataset.state === 'error'", undefined, { timeout: 30_000 });
      expect(await page.locator('#error').textContent()).toBe("INVALID_ARGUMENT (keep): keep must be a whole number ≥ 0, got ''");
      expect(errors).toEqual([]);
    });
  });

  it('refuses to run with no method or no backend ticked (a URL naming none that exist, or everything unticked) instead of saying done with no result', { timeout: 240_000 }, async () => {
    const { url, release } = await serve();
    release();
    await withPage(async (page, errors) => {
      const snapshot = async () => (await page.evaluate(() => (window as unknown as { __d2pruner: AppSnapshot }).__d2pruner)) as AppSnapshot;
      await page.goto(`${url}?backends=cpu&methods=nosuch`);
      await page.waitForFunction("['done', 'error'].includes(document.body.dataset.state)", undefined, { timeout: 120_000 });
      expect((await snapshot()).state).toBe('error');
      expect(await page.locator('#error').textContent()).toMatch(/no method is ticked/);
      expect((await snapshot()).started).toBe(0);

      await page.check('input[name=method][value=d2pruner]');
      for (const cb of await page.locator('input[name=backend]').all()) await cb.uncheck();
      await page.click('#run');
      await page.waitForFunction("document.body.dataset.state === 'error'", undefined, { timeout: 30_000 });
      expect(await page.locator('#error').textContent()).toMatch(/no backend is ticked/);
      expect((await snapshot()).started).toBe(0);

      await page.check('input[name=backend][value=cpu]');
      await page.click('#run');
      await page.waitForFunction("document.body.dataset.state === 'done'", undefined, { timeout: 120_000 });
      expect((await snapshot()).results.d2pruner?.cpu).toMatchObject({ ok: true });
      expect(await page.locator('#error').isHidden()).toBe(true);
      expect(errors).toEqual([]);
    });
  });
});
