/** How a token of a selection is drawn: D2Pruner's pivots and MIS picks apart, other kept tokens, pruned ones. */
export type SelectionKind = 'pivot' | 'pick' | 'kept' | 'dropped';

/**
 * The colours of a selection drawing (sRGB hex), shared by the web app's cards and
 * `d2pruner render`, so both show a selection the same way.
 */
export const SELECTION_COLOURS: Readonly<Record<SelectionKind | 'background', string>> = {
  pivot: '#ff9f1c',
  pick: '#2ec4f1',
  kept: '#6bd66b',
  dropped: '#788296',
  background: '#1b2030',
};

/** Opacity of a pruned token's colour over the background. */
export const DROPPED_OPACITY = 0.18;

/** Labels of the kinds for legends. */
export const SELECTION_LABELS: Readonly<Record<SelectionKind, string>> = {
  pivot: 'pivot (debiased attention)',
  pick: 'MIS pick (diversity)',
  kept: 'kept',
  dropped: 'pruned',
};

/** `#rrggbb` as `[r, g, b]`. */
export function hexRgb(hex: string): [number, number, number] {
  const v = Number.parseInt(hex.slice(1), 16);
  return [(v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff];
}
