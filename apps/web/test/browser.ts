/*
 * What the browser tests share: the system Chromium (an explicit, logged skip when it is absent),
 * one production build of the app per test file, a local HTTP server for it, and a page in a
 * fresh headless browser that records the page's uncaught errors and is always closed.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import type { Page } from 'playwright-core';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic'];
const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.map': 'application/json' };

/** Whether the system Chromium is installed; when not, logs that `what` is skipped and why. */
export function chromiumOrSkip(what: string): boolean {
  const has = existsSync(CHROMIUM);
  if (!has) console.warn(`[web] SKIPPING ${what}: ${CHROMIUM} is absent (apt-get install chromium)`);
  return has;
}

/** A request handler for paths the built app does not serve; returns false to fall through to the app's files. */
export type ExtraRoutes = (path: string, req: IncomingMessage, res: ServerResponse) => boolean;

/** One production build of the app in a temporary folder, served on 127.0.0.1 by {@link serve}. */
export class BuiltApp {
  private readonly dir = mkdtempSync(join(tmpdir(), 'd2p-web-'));
  private built: Promise<void> | undefined;
  private server: Server | undefined;

  /** Builds the app with Vite (once) and serves it with `routes` first; closes the previous server. */
  async serve(routes: ExtraRoutes = () => false): Promise<string> {
    this.built ??= (async () => {
      const { build } = await import('vite');
      await build({ root: join(import.meta.dirname, '..'), logLevel: 'silent', build: { outDir: this.dir, emptyOutDir: true, sourcemap: false } });
    })();
    await this.built;
    this.closeServer();
    const server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      if (routes(path, req, res)) return;
      const file = normalize(join(this.dir, path === '/' ? 'index.html' : path));
      if (!file.startsWith(this.dir) || !existsSync(file)) return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
    });
    this.server = server;
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  }

  private closeServer(): void {
    this.server?.closeAllConnections();
    this.server?.close();
    this.server = undefined;
  }

  /** Closes the server and removes the build. */
  dispose(): void {
    this.closeServer();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * Runs `body` with a new page (1300×1000) of a fresh headless Chromium and the list of the page's
 * uncaught errors so far; the browser is closed however `body` ends.
 */
export async function withPage<T>(body: (page: Page, errors: string[]) => Promise<T>): Promise<T> {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  try {
    const page = await browser.newPage({ viewport: { width: 1300, height: 1000 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    return await body(page, errors);
  } finally {
    await browser.close();
  }
}
