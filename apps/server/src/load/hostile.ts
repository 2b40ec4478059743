import { connect, type Socket } from 'node:net';

/**
 * A slow-loris client: opens `POST path` with `Content-Length: 100000` and then sends one byte
 * every `everyMs`. `answer` resolves with the server's status line once its headers are in (or
 * `closed` when the server closed the connection without an answer the client could read);
 * `text()` is everything received so far.
 */
export function dripUpload(
  port: number,
  path: string,
  everyMs: number,
  contentType = 'application/octet-stream',
  host = '127.0.0.1',
): { socket: Socket; answer: Promise<string>; text: () => string } {
  const socket = connect(port, host);
  socket.setNoDelay(true);
  let response = '';
  const statusLine = () => response.split('\r\n')[0] || 'closed';
  const answer = new Promise<string>((resolveAnswer) => {
    socket.on('data', (d: Buffer) => {
      response += d.toString();
      if (response.includes('\r\n\r\n')) resolveAnswer(statusLine());
    });
    socket.on('close', () => resolveAnswer(statusLine()));
    socket.on('error', () => resolveAnswer(statusLine()));
  });
  socket.write(`POST ${path} HTTP/1.1\r\nHost: ${host}\r\nContent-Type: ${contentType}\r\nContent-Length: 100000\r\n\r\n`);
  const timer = setInterval(() => {
    if (socket.destroyed) clearInterval(timer);
    else socket.write('x');
  }, everyMs);
  socket.on('close', () => clearInterval(timer));
  return { socket, answer, text: () => response };
}

/** Polls `/healthz` every `everyMs` until stopped; the slowest answer (a failed probe counts as Infinity). */
export function watchHealth(url: string, everyMs = 100): { stop(): Promise<{ maxMs: number; probes: number }> } {
  let running = true;
  let maxMs = 0;
  let probes = 0;
  const loop = (async () => {
    while (running) {
      const t0 = performance.now();
      try {
        const r = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(5000) });
        await r.text();
        if (r.status !== 200) maxMs = Infinity;
      } catch {
        maxMs = Infinity;
      }
      maxMs = Math.max(maxMs, performance.now() - t0);
      probes++;
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return { maxMs, probes };
    },
  };
}
