import { HttpError } from './http-error.js';

/** The bytes one request's body holds in a {@link BodyBudget}; given back together. */
export interface BodyHold {
  /** Bytes held by this request. */
  readonly bytes: number;
  /**
   * Takes `bytes` more for this request; throws 503 `OVERLOADED` (field `body`, `Retry-After`,
   * `Connection: close`) when they do not fit, taking nothing.
   */
  take(bytes: number): void;
  /** Gives `bytes` of this request's back (at most what it holds), e.g. once a line of a stream is done with. */
  give(bytes: number): void;
  /** Gives every byte of this request back (idempotent). */
  release(): void;
}

/**
 * The bytes of request bodies the server holds at once (`--max-buffered-bytes`): bodies being
 * uploaded and those of requests in flight. Fastify reads a whole body into memory before the
 * route runs, and a concurrency slot is taken only once it is in, so without this bound a client
 * opening many connections could make the server buffer `connections × --max-body-bytes` (and end
 * it by running out of memory). A body whose `Content-Length` does not fit is refused before it is
 * read; a chunked body is counted as it arrives and refused once it goes over. The NDJSON routes
 * count each line as it is buffered and give it back once its work is done (`ndjsonLines`).
 */
export class BodyBudget {
  private used = 0;

  /** @param limit bytes held at most (≥ 1) */
  constructor(readonly limit: number) {}

  /** Bytes held now. */
  get held(): number {
    return this.used;
  }

  /** Whether `bytes` more fit now. */
  fits(bytes: number): boolean {
    return this.used + bytes <= this.limit;
  }

  /** 503 `OVERLOADED` naming `body`, for a body of `bytes` that does not fit. */
  overloaded(bytes: number): HttpError {
    return new HttpError('OVERLOADED', 'body', `the server holds ${this.used} bytes of request bodies; ${bytes} more would pass --max-buffered-bytes (${this.limit}); retry shortly`, {
      'retry-after': '1',
      connection: 'close',
    });
  }

  /** A hold for one request's body, empty until it takes bytes. */
  hold(): BodyHold {
    let bytes = 0;
    let released = false;
    return {
      get bytes() {
        return bytes;
      },
      take: (n: number) => {
        if (released || n <= 0) return;
        if (!this.fits(n)) throw this.overloaded(n);
        this.used += n;
        bytes += n;
      },
      give: (n: number) => {
        const back = Math.min(Math.max(0, n), bytes);
        this.used -= back;
        bytes -= back;
      },
      release: () => {
        if (released) return;
        released = true;
        this.used -= bytes;
        bytes = 0;
      },
    };
  }
}

/**
 * The budget's limit for a configuration: `--max-buffered-bytes`, or when it is 0 (the default)
 * `--max-concurrent × --max-body-bytes` — as many largest bodies as requests may run at once.
 */
export function bufferedBytesLimit(config: { maxBufferedBytes: number; maxConcurrent: number; maxBodyBytes: number }): number {
  return config.maxBufferedBytes > 0 ? config.maxBufferedBytes : config.maxConcurrent * config.maxBodyBytes;
}

/** A `Content-Length` header as a byte count, or undefined when absent or not a plain decimal (Fastify then answers it). */
export function declaredLength(header: string | string[] | undefined): number | undefined {
  if (typeof header !== 'string' || !/^\d{1,15}$/.test(header)) return undefined;
  return Number(header);
}
