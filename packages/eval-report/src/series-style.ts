/** Methods a sweep tells apart by colour alone with Vega's default 10-colour scheme. */
export const DEFAULT_SCHEME_METHODS = 10;

/** The 20 colours of Vega's `tableau20` scheme (pairs of a dark and a light shade), used above {@link DEFAULT_SCHEME_METHODS} methods. */
export const SERIES_COLOURS: readonly string[] = [
  '#4c78a8', '#9ecae9', '#f58518', '#ffbf79', '#54a24b', '#88d27a', '#b79a20', '#f2cf5b', '#439894', '#83bcb6',
  '#e45756', '#ff9d98', '#79706e', '#bab0ac', '#d67195', '#fcbfd2', '#b279a2', '#d6a5c9', '#9e765f', '#d8b5a5',
];

/** Stroke dashes of the lines beyond the 20 colours: block b of 20 methods uses `SERIES_DASHES[b % 5]`. */
export const SERIES_DASHES: readonly (readonly number[])[] = [[1, 0], [8, 4], [2, 3], [8, 3, 2, 3], [12, 3, 3, 3, 3, 3]];

/** Point shapes beyond the 20 colours: block b of 20 methods uses `SERIES_SHAPES[b % 6]`. */
export const SERIES_SHAPES: readonly string[] = ['circle', 'square', 'triangle-up', 'diamond', 'cross', 'triangle-down'];

/** How one method's line and points are drawn. */
export interface SeriesStyle {
  colour: string;
  dash: readonly number[];
  shape: string;
}

/**
 * The style of each method of a sweep, in order. Method k gets colour k mod 20 and, from the 21st
 * method on, a dash and a point shape from block ⌊k / 20⌋ (5 dashes and 6 shapes, coprime), so
 * every method up to 600 differs from every other in colour, dash or shape.
 */
export function seriesStyles(count: number): SeriesStyle[] {
  return Array.from({ length: count }, (_, k) => {
    const block = Math.floor(k / SERIES_COLOURS.length);
    return { colour: SERIES_COLOURS[k % SERIES_COLOURS.length], dash: SERIES_DASHES[block % SERIES_DASHES.length], shape: SERIES_SHAPES[block % SERIES_SHAPES.length] };
  });
}
