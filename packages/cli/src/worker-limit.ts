/**
 * The most worker threads a command runs (`prune --batch`, `calibrate`, `eval --workers`): each
 * thread holds its own module graph and buffers (tens of MB), so an unbounded `--workers` would
 * exhaust memory long before it helped. Shared by the early pool and the commands.
 */
export const MAX_WORKERS = 256;
