import { InvalidArgumentError, gridLayout } from '@d2pruner/core';
import { getMethod } from '@d2pruner/methods';
import { numberOption, pairOption, stringOption, type ParsedArgs } from '../args.js';
import { formatSelection, selectionJson } from '../format.js';
import type { CliIo } from '../io.js';
import { loadPriorFile, loadTokenFile, writeOutputFile } from '../load.js';
import { methodParamsFromArgs } from '../method-args.js';
import { prunedFeaturesFile } from '../pruned-output.js';
import { executeRequest } from '../request.js';
import { adapterLayoutFromArgs, applyAdapterLayout } from '../adapters.js';
import { runBatch } from './batch.js';

/** Options of `prune` that are not method parameters. */
export const PRUNE_OPTIONS: ReadonlySet<string> = new Set(['method', 'keep', 'ratio', 'backend', 'json', 'grid', 'out', 'batch', 'prior', 'model', 'image', 'max-tiles', 'concurrency', 'strict']);

/** `d2pruner prune FILE… --method NAME (--keep N | --ratio R) [--PARAM V…] [--backend B] [--json] [--out F]`. */
export async function pruneCommand(args: ParsedArgs, io: CliIo): Promise<number> {
  const batch = args.options.get('batch');
  if (batch !== undefined) {
    const source = batch === true ? args.positionals[0] : batch;
    if (!source) throw new InvalidArgumentError('batch', '--batch needs a JSONL file or - for stdin');
    const grid = pairOption(args, 'grid');
    const priorFile = stringOption(args, 'prior');
    return runBatch(source, io, {
      backend: stringOption(args, 'backend'),
      concurrency: numberOption(args, 'concurrency'),
      layout: grid ? gridLayout(grid[0], grid[1]) : undefined,
      prior: priorFile ? await loadPriorFile(io, priorFile) : undefined,
      strict: args.options.get('strict') === true,
    });
  }
  const files = args.positionals;
  if (files.length === 0) throw new InvalidArgumentError('FILE', 'prune needs at least one token file (safetensors)');
  const method = getMethod(stringOption(args, 'method') ?? 'd2pruner');
  const params = methodParamsFromArgs(method, args, PRUNE_OPTIONS);
  const keep = numberOption(args, 'keep');
  const ratio = numberOption(args, 'ratio');
  const out = stringOption(args, 'out');
  if (out && files.length > 1) throw new InvalidArgumentError('out', '--out writes one file; give a single input');
  const priorPath = stringOption(args, 'prior');
  const prior = priorPath ? await loadPriorFile(io, priorPath) : undefined;
  const grid = pairOption(args, 'grid');
  const json = args.options.get('json') === true;
  const adapterLayout = adapterLayoutFromArgs(args);
  for (const file of files) {
    const loaded = await loadTokenFile(io, file, { grid, prior });
    const { input, rows } = adapterLayout ? applyAdapterLayout(loaded, adapterLayout) : { input: loaded };
    const selection = await executeRequest(input, { method: method.name, keep, ratio, params, backend: stringOption(args, 'backend') });
    if (rows) selection.keep = selection.keep.map((k) => rows[k]);
    await io.out(json ? selectionJson(selection) + '\n' : formatSelection(file, selection));
    if (out) await writeOutputFile(io, out, prunedFeaturesFile(input, selection));
  }
  return 0;
}
