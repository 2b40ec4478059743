import { FLOAT32_ARRAY_BYTES_PER_VALUE, writeFloat32Array, type Float32ArrayWriter } from './float32-json.js';

/**
 * A growable UTF-8 buffer that a JSON text is written into piece by piece and then decoded once,
 * so a long line (a result with tens of thousands of merged-row values) becomes one flat string
 * instead of many pieces joined, or taken as bytes. Internal to the package.
 */
export class JsonBytes {
  private buf: Uint8Array;
  private p = 0;
  private static encoder: { encodeInto(text: string, into: Uint8Array): { read: number; written: number } } | undefined;
  private static decoder: { decode(bytes: Uint8Array): string } | undefined;

  /** An empty buffer of `capacity` bytes to start with (and to go back to after a line over {@link JsonBytes.RETAIN_MAX}). */
  constructor(private readonly capacity = 1 << 16) {
    this.buf = new Uint8Array(capacity);
  }

  /** Largest buffer kept for the next text after {@link take}: one huge line does not pin its memory. */
  static readonly RETAIN_MAX = 8 << 20;

  /** Room for `bytes` more bytes. */
  private reserve(bytes: number): void {
    if (this.p + bytes <= this.buf.length) return;
    const grown = new Uint8Array(Math.max(this.p + bytes, 2 * this.buf.length));
    grown.set(this.buf.subarray(0, this.p));
    this.buf = grown;
  }

  /** Appends `text` (any string) in UTF-8. */
  text(text: string): this {
    JsonBytes.encoder ??= new TextEncoder();
    for (;;) {
      const { read, written } = JsonBytes.encoder.encodeInto(text, this.buf.subarray(this.p));
      if (read === text.length) {
        this.p += written;
        return this;
      }
      this.reserve(3 * text.length);
    }
  }

  /** Appends one ASCII byte. */
  byte(code: number): this {
    this.reserve(1);
    this.buf[this.p++] = code;
    return this;
  }

  /**
   * Appends the JSON array of `values` as `float32ArrayJson` writes it, its numbers by `write`
   * (default `writeFloat32Array`, which any replacement must equal byte for byte); false (nothing
   * appended) when some value is not a number.
   */
  float32Array(values: ArrayLike<number>, write: Float32ArrayWriter = writeFloat32Array): boolean {
    this.reserve(2 + values.length * FLOAT32_ARRAY_BYTES_PER_VALUE);
    this.buf[this.p] = 91;
    const end = write(values, this.buf, this.p + 1);
    if (end < 0) return false;
    this.buf[end] = 93;
    this.p = end + 1;
    return true;
  }

  /** The text written so far, and the buffer emptied for reuse. */
  take(): string {
    JsonBytes.decoder ??= new TextDecoder();
    return JsonBytes.decoder.decode(this.takeView());
  }

  /**
   * The UTF-8 bytes written so far, in an array of their own, and the buffer emptied for reuse.
   * A copy of the bytes costs a tenth of making them a string: a long string is a fresh
   * allocation that V8 fills page by page.
   */
  takeBytes(): Uint8Array {
    return this.takeView().slice();
  }

  /** The bytes written so far as a view valid until the next write; the buffer emptied for reuse. */
  private takeView(): Uint8Array {
    const view = this.buf.subarray(0, this.p);
    this.p = 0;
    if (this.buf.length > JsonBytes.RETAIN_MAX) this.buf = new Uint8Array(this.capacity);
    return view;
  }
}
