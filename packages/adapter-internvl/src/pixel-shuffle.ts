import { TOKEN_GRID } from './dims.js';

/**
 * The ViT patches (row, col on the 32×32 patch grid of a tile) that InternVL's `ps_version v2`
 * pixel shuffle concatenates into token `t`, in channel order (docs/models.md §3.3): token t sits at
 * (R, C) = (t div 16, t mod 16) and covers patches (2R, 2C), (2R, 2C+1), (2R+1, 2C), (2R+1, 2C+1).
 */
export function pixelShuffleSources(t: number, grid = TOKEN_GRID): [number, number][] {
  const R = Math.floor(t / grid);
  const C = t % grid;
  return [
    [2 * R, 2 * C],
    [2 * R, 2 * C + 1],
    [2 * R + 1, 2 * C],
    [2 * R + 1, 2 * C + 1],
  ];
}

/**
 * Global canvas cell of token `t` of tile `p` in a grid `cols` tiles wide (docs/models.md §3.5):
 * R = (p div cols)·16 + t div 16, C = (p mod cols)·16 + t mod 16.
 */
export function tileTokenCell(p: number, t: number, cols: number, grid = TOKEN_GRID): { row: number; col: number } {
  return { row: Math.floor(p / cols) * grid + Math.floor(t / grid), col: (p % cols) * grid + (t % grid) };
}
