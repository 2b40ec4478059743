import { Transform, type TransformCallback } from 'node:stream';
import type { BodyHold } from './body-budget.js';
import { HttpError } from './http-error.js';

/** How slowly a client may send a request body. */
export interface UploadLimits {
  /** Longest pause between two chunks of a body (of a batch line, in NDJSON mode), in ms. */
  idleTimeoutMs: number;
  /** Slowest accepted average rate in bytes/s, counted from one second after the first byte (0 = none; whole bodies only). */
  minUploadRate: number;
  /** NDJSON mode: longest time from a line's first byte to its newline, in ms. */
  lineTimeoutMs: number;
  /** NDJSON mode: longest time for the whole body, from the guard's creation (the request's start), in ms (0 = none). */
  bodyTimeoutMs?: number;
}

/** Grace before the minimum rate applies (headers, TLS, TCP slow start). */
const RATE_GRACE_MS = 1000;

/**
 * A pass-through for a request body that fails with 408 `SLOW_UPLOAD` when the client stalls,
 * so a dripping connection cannot hold memory or a slot for long. Whole bodies: no pause over
 * `idleTimeoutMs`, and at least `minUploadRate` bytes/s on average after the first second.
 * NDJSON bodies (`ndjson`): the limits apply to each line — a started line must not pause over
 * `idleTimeoutMs` and must end within `lineTimeoutMs`; between lines the connection's own idle
 * timeout applies (a client may stream requests as they come), and the whole body must have
 * arrived within `bodyTimeoutMs`, so no pace of lines holds a connection indefinitely.
 */
export class UploadGuard extends Transform {
  private readonly start = Date.now();
  private last = Date.now();
  private bytes = 0;
  /** NDJSON mode: when the line in progress began (null between lines). */
  private lineStart: number | null = null;
  private readonly timer: NodeJS.Timeout;

  /**
   * @param limits the limits
   * @param ndjson per-line mode
   * @param hold where each chunk's bytes are counted as they arrive (a body without
   *   `Content-Length`); a chunk that does not fit fails the body with the hold's 503
   */
  constructor(
    private readonly limits: UploadLimits,
    private readonly ndjson: boolean,
    private readonly hold?: BodyHold,
  ) {
    super();
    const every = Math.max(20, Math.min(250, limits.idleTimeoutMs / 4));
    this.timer = setInterval(() => this.check(), every);
    this.timer.unref();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    const now = Date.now();
    this.last = now;
    this.bytes += chunk.length;
    try {
      this.hold?.take(chunk.length);
    } catch (e) {
      clearInterval(this.timer);
      done(e as Error);
      return;
    }
    if (this.ndjson) {
      const nl = chunk.lastIndexOf(10);
      if (nl < 0) this.lineStart ??= now;
      else this.lineStart = nl === chunk.length - 1 ? null : now;
    }
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    clearInterval(this.timer);
    done();
  }

  override _destroy(error: Error | null, done: (error: Error | null) => void): void {
    clearInterval(this.timer);
    done(error);
  }

  /**
   * The response has gone (answered before or while the body was read): stop watching, and
   * ignore errors from here on — nobody reads the body any more, so a late stall or a client
   * error on it must not surface as an unhandled `'error'` event that ends the process.
   */
  retire(): void {
    clearInterval(this.timer);
    this.retired = true;
    this.on('error', () => {});
  }

  private retired = false;

  private fail(message: string): void {
    if (this.retired) return;
    clearInterval(this.timer);
    this.destroy(new HttpError('SLOW_UPLOAD', 'body', message, { connection: 'close' }));
  }

  private check(): void {
    const now = Date.now();
    const { idleTimeoutMs, minUploadRate, lineTimeoutMs } = this.limits;
    if (this.ndjson) {
      const { bodyTimeoutMs = 0 } = this.limits;
      if (bodyTimeoutMs > 0 && now - this.start > bodyTimeoutMs) return this.fail(`the request body took over ${bodyTimeoutMs} ms to arrive (--stream-timeout-ms)`);
      if (this.lineStart === null) return;
      if (now - this.last > idleTimeoutMs) return this.fail(`a batch line stalled for over ${idleTimeoutMs} ms (--idle-timeout-ms)`);
      if (now - this.lineStart > lineTimeoutMs) this.fail(`a batch line took over ${lineTimeoutMs} ms to arrive (--timeout-ms)`);
      return;
    }
    if (now - this.last > idleTimeoutMs) return this.fail(`the request body stalled for over ${idleTimeoutMs} ms (--idle-timeout-ms)`);
    const elapsed = now - this.start - RATE_GRACE_MS;
    if (minUploadRate > 0 && elapsed > 0 && this.bytes < (minUploadRate * elapsed) / 1000) {
      this.fail(`the request body arrives at ${Math.round((this.bytes * 1000) / (now - this.start))} bytes/s; at least ${minUploadRate} (--min-upload-rate)`);
    }
  }
}
