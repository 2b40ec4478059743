import type { FrameInfo, ImageSize, TokenGeometry } from './adapter.js';

/**
 * Accumulates a {@link TokenGeometry} token by token, in sequence order. Regions are given in
 * original-image pixels (they may extend past the image when preprocessing padded it); they are
 * clipped to the image, and a token whose region does not overlap the image is flagged padding.
 */
export class GeometryBuilder {
  private readonly frame: number[] = [];
  private readonly row: number[] = [];
  private readonly col: number[] = [];
  private readonly box: number[] = [];
  private readonly padding: number[] = [];
  private readonly structural: number[] = [];

  /** @param image the original image size (regions are clipped to it) */
  constructor(private readonly image: ImageSize) {}

  /** Tokens added so far. */
  get length(): number {
    return this.frame.length;
  }

  /**
   * Adds a content token covering `[x0, x1) × [y0, y1)` in original-image pixels.
   * @returns whether the token is pure padding
   */
  token(frame: number, row: number, col: number, x0: number, y0: number, x1: number, y1: number): boolean {
    const { width: W, height: H } = this.image;
    const cx0 = Math.min(Math.max(x0, 0), W);
    const cy0 = Math.min(Math.max(y0, 0), H);
    const cx1 = Math.min(Math.max(x1, 0), W);
    const cy1 = Math.min(Math.max(y1, 0), H);
    const pad = !(cx1 > cx0 && cy1 > cy0);
    this.push(frame, row, col, [cx0, cy0, cx1, cy1], pad ? 1 : 0, 0);
    return pad;
  }

  /** Adds a structural token (never a candidate), e.g. a newline closing `row` of `frame`. */
  structuralToken(frame: number, row: number, col: number, box: readonly [number, number, number, number] = [0, 0, 0, 0]): void {
    this.push(frame, row, col, box, 0, 1);
  }

  private push(frame: number, row: number, col: number, box: readonly number[], padding: number, structural: number): void {
    this.frame.push(frame);
    this.row.push(row);
    this.col.push(col);
    this.box.push(box[0], box[1], box[2], box[3]);
    this.padding.push(padding);
    this.structural.push(structural);
  }

  /** The clipped box of token `i` (for structural tokens spanning other tokens). */
  boxOf(i: number): [number, number, number, number] {
    return [this.box[4 * i], this.box[4 * i + 1], this.box[4 * i + 2], this.box[4 * i + 3]];
  }

  /** Finishes the geometry. */
  build(frames: FrameInfo[], encoderPasses: number[], details: TokenGeometry['details'] = {}): TokenGeometry {
    return {
      frames,
      frame: Int32Array.from(this.frame),
      row: Int32Array.from(this.row),
      col: Int32Array.from(this.col),
      box: Float64Array.from(this.box),
      padding: Uint8Array.from(this.padding),
      structural: Uint8Array.from(this.structural),
      encoderPasses,
      details,
    };
  }
}
