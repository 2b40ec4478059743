import type { CostQuery, CostReport, ImageSize, ModelAdapter, TokenLayout } from './adapter.js';
import { InvalidArgumentError } from './errors.js';
import type { FrameSize } from './layout.js';

/** The `d2pruner layout --json` object (docs/formats.md §3); arrays cover the candidates. */
export interface LayoutReportJson {
  /** Adapter id. */
  model: string;
  /** All visual sequence tokens, structural ones included. */
  tokens: number;
  /** Prunable tokens. */
  candidates: number;
  /** The frames (a valid `d2pruner.layout` together with frame/row/col). */
  frames: FrameSize[];
  /** Frame of each candidate. */
  frame: number[];
  /** Row of each candidate. */
  row: number[];
  /** Column of each candidate. */
  col: number[];
  /** Region of each candidate in original-image pixels, `[x0, y0, x1, y1]`, rounded to 1e-3. */
  box: [number, number, number, number][];
}

/** The `d2pruner flops --json` object (docs/formats.md §3). */
export interface FlopsReportJson {
  /** Adapter id. */
  model: string;
  /** Visual tokens before pruning. */
  visual: number;
  /** Visual tokens kept. */
  keep: number;
  /** Pruning layer K (0 = before the LLM). */
  layer: number;
  /** Non-visual tokens, unchanged by pruning. */
  text: number;
  /** Prefill multiply-accumulates without pruning. */
  full: { macs: number };
  /** Prefill multiply-accumulates with pruning. */
  pruned: { macs: number };
  /** 1 − pruned / full, as a fraction. */
  reduction: number;
}

/**
 * Parses `WxH` (e.g. `640x480`, also `640X480` or `640×480`) into an image size. Each side must be
 * a positive integer up to `Number.MAX_SAFE_INTEGER`: a longer digit string would be rounded
 * (or become Infinity) when read as a number, so it is an INVALID_ARGUMENT naming `field`.
 */
export function parseImageSize(text: string, field = 'image'): ImageSize {
  const m = /^\s*(\d+)\s*[xX×]\s*(\d+)\s*$/.exec(text);
  const width = m ? Number(m[1]) : NaN;
  const height = m ? Number(m[2]) : NaN;
  if (!m || width < 1 || height < 1) throw new InvalidArgumentError(field, `--${field} expects WxH with positive integers, e.g. 640x480; got '${text}'`);
  if (!Number.isSafeInteger(width) || !Number.isSafeInteger(height)) {
    throw new InvalidArgumentError(field, `--${field} sides must be at most ${Number.MAX_SAFE_INTEGER} pixels; got '${text}'`);
  }
  return { width, height };
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;

/** The `layout --json` object of a token layout: frame/row/col/box of the candidates, in order. */
export function layoutReportJson(layout: TokenLayout): LayoutReportJson {
  const box: [number, number, number, number][] = [];
  for (const t of layout.candidates) {
    const b = layout.box;
    box.push([round3(b[4 * t]), round3(b[4 * t + 1]), round3(b[4 * t + 2]), round3(b[4 * t + 3])]);
  }
  return {
    model: layout.model,
    tokens: layout.tokens,
    candidates: layout.candidates.length,
    frames: layout.layout.frames.map((f) => ({ rows: f.rows, cols: f.cols })),
    frame: Array.from(layout.layout.frame),
    row: Array.from(layout.layout.row),
    col: Array.from(layout.layout.col),
    box,
  };
}

/** The `flops --json` object of a cost report (exactly the keys of docs/formats.md §3). */
export function flopsReportJson(report: CostReport): FlopsReportJson {
  return {
    model: report.model,
    visual: report.visual,
    keep: report.keep,
    layer: report.layer,
    text: report.text,
    full: { macs: report.full.macs },
    pruned: { macs: report.pruned.macs },
    reduction: report.reduction,
  };
}

/**
 * What `d2pruner flops --model ID --keep N [--visual V | --image WxH [--max-tiles M]] [--layer K]
 * [--text T] [--formula F] --json` prints.
 */
export function flopsJson(adapter: ModelAdapter, query: CostQuery): FlopsReportJson {
  return flopsReportJson(adapter.cost(query));
}
