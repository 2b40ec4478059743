/** Bytes of one segment of a long line (each is allocated once, filled, and moves whole to a worker). */
export const SEGMENT_BYTES = 1 << 20;

/**
 * The bytes of one long NDJSON line, copied chunk by chunk into buffers of its own as they
 * arrive: the event loop never concatenates or decodes the whole line (for a 134 MB line those
 * took 0.3–0.9 s in one block), and the buffers can move to a worker thread without a copy.
 */
export class LineSegments {
  private readonly full: Uint8Array[] = [];
  private current = new Uint8Array(SEGMENT_BYTES);
  private used = 0;

  /** Copies `piece` in. */
  append(piece: Uint8Array): void {
    let at = 0;
    while (at < piece.length) {
      if (this.used === this.current.length) {
        this.full.push(this.current);
        this.current = new Uint8Array(SEGMENT_BYTES);
        this.used = 0;
      }
      const n = Math.min(piece.length - at, this.current.length - this.used);
      this.current.set(piece.subarray(at, at + n), this.used);
      this.used += n;
      at += n;
    }
  }

  /** The line's bytes as views, in order, without the trailing `\r` of a CRLF line ending. */
  parts(): Uint8Array[] {
    const out = [...this.full, this.current.subarray(0, this.used)].filter((p) => p.length > 0);
    const last = out.at(-1);
    if (last && last[last.length - 1] === 13) out[out.length - 1] = last.subarray(0, last.length - 1);
    return out.filter((p) => p.length > 0);
  }
}

/** The UTF-8 text of a line's parts (on the worker thread that parses it). */
export function textOfParts(parts: readonly Uint8Array[]): string {
  return Buffer.concat(parts).toString('utf8');
}

/** The buffers under `parts`, to move to a worker with them. */
export function buffersOfParts(parts: readonly Uint8Array[]): ArrayBuffer[] {
  return [...new Set(parts.map((p) => p.buffer as ArrayBuffer))];
}
