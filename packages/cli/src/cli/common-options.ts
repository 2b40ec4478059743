import { BACKEND_CHOICES } from '../backends.js';
import { MAX_WORKERS } from '../worker-limit.js';
import type { OptionSpec } from './option.js';

/** `--method NAME`: the pruning method (default d2pruner). */
export const METHOD_OPTION = { type: 'string', valueName: 'NAME', default: 'd2pruner', description: 'pruning method (d2pruner methods lists them)' } as const satisfies OptionSpec<'string'>;

/** `--keep N` and `--ratio R`: the token budget, one of the two. */
export const BUDGET_OPTIONS = {
  keep: { type: 'number', valueName: 'N', description: 'tokens to keep (or give --ratio)' },
  ratio: { type: 'number', valueName: 'R', description: 'fraction of the tokens to keep, in [0, 1] (or give --keep)' },
} as const satisfies Record<string, OptionSpec>;

/** `--backend`: where the kernels run. */
export const BACKEND_OPTION = {
  type: 'string',
  choices: BACKEND_CHOICES,
  default: 'auto',
  description: 'kernel backend; auto keeps work on the CPU unless a GPU is worth it',
} as const satisfies OptionSpec<'string'>;

/** `--grid RxC`: a single-frame layout for inputs that carry none. */
export const GRID_OPTION = { type: 'size', valueName: 'RxC', description: 'token grid (rows x cols) for inputs that carry no layout' } as const satisfies OptionSpec<'size'>;

/** `--json`: machine-readable output. */
export const JSON_OPTION = { type: 'boolean', description: 'print JSON instead of a summary' } as const satisfies OptionSpec<'boolean'>;

/** `--max-tiles M`: the adapter's tile cap (InternVL dynamic tiling, LLaVA-NeXT grids). */
export const MAX_TILES_OPTION = { type: 'number', valueName: 'M', defaultNote: "the model's own", description: 'maximum image tiles of the model adapter' } as const satisfies OptionSpec<'number'>;

/** `--model ID`: a model adapter id (`d2pruner layout` lists what an image becomes). */
export const MODEL_ID_OPTION = { type: 'string', valueName: 'ID', description: 'model adapter id, e.g. llava-1.5-7b, llava-next-7b, internvl-2.5-8b' } as const satisfies OptionSpec<'string'>;

/** `--workers N`: worker threads that read, decode and prune (batch, calibrate). */
export const WORKERS_OPTION = {
  type: 'number',
  valueName: 'N',
  defaultNote: 'one per core; 0 with a GPU --backend',
  description: `worker threads that read, decode and prune off the main thread (0 = all on the main thread; at most ${MAX_WORKERS})`,
} as const satisfies OptionSpec<'number'>;
