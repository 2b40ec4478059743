import { InvalidArgumentError, checkPriorKey, gridLayout } from '@d2pruner/core';
import { checkPriorLayout, completeLayout } from '@d2pruner/pipeline';
import { getMethod } from '@d2pruner/methods';
import { defineCommand } from '../cli/command.js';
import { BACKEND_OPTION, BUDGET_OPTIONS, GRID_OPTION, JSON_OPTION, MAX_TILES_OPTION, METHOD_OPTION, MODEL_ID_OPTION, WORKERS_OPTION } from '../cli/common-options.js';
import { formatSelection, selectionJson } from '../format.js';
import { loadPriorFile, loadTokenFile, writeOutputFile } from '../load.js';
import { methodParamsFromArgs } from '../method-args.js';
import { checkOutputPath } from '../output-path.js';
import { prunedFeaturesFile } from '../pruned-output.js';
import { selectionInFileRows } from '../file-rows.js';
import { executeRequest } from '../request.js';
import { adapterLayoutFromArgs, applyAdapterLayout } from '../adapters.js';
import { runBatch } from './batch.js';
import { checkLayoutOption } from '../layout-conflict.js';
import { MAX_CONCURRENCY } from '../concurrency-limit.js';

/** The options that apply to `prune --batch`. */
const BATCH_OPTIONS: ReadonlySet<string> = new Set(['batch', 'backend', 'concurrency', 'workers', 'grid', 'prior', 'strict']);

/** `d2pruner prune`: prune token files, or a JSONL batch of requests. */
export const pruneCommand = defineCommand({
  name: 'prune',
  summary: 'Keep a budget of visual tokens of safetensors token files with one method (or a JSONL batch of requests).',
  usage: [
    'prune FILE… [--method NAME] (--keep N | --ratio R) [--PARAM VALUE…] [--backend B] [--json] [--out FILE]',
    'prune --batch FILE.jsonl|- [--workers N] [--concurrency C] [--backend B] [--grid RxC] [--prior FILE] [--strict]',
    'prune FILE --model ID --image WxH …   build the layout from a model adapter when the file has none',
  ],
  positionals: 'FILE…',
  methodParams: true,
  options: {
    method: METHOD_OPTION,
    ...BUDGET_OPTIONS,
    backend: BACKEND_OPTION,
    json: JSON_OPTION,
    out: { type: 'string', valueName: 'FILE', description: 'write the kept feature rows (with their layout) as safetensors; one input only' },
    batch: { type: 'string', valueName: 'FILE.jsonl|-', description: 'one request per line (- for stdin), one result line per request' },
    workers: WORKERS_OPTION,
    concurrency: { type: 'number', valueName: 'C', defaultNote: '2 × workers; 2 with --workers 0', description: `batch requests in flight: groups of lines sent to the workers, or requests interleaved on the main thread (at most ${MAX_CONCURRENCY})` },
    grid: { ...GRID_OPTION, description: "token grid (rows x cols) for inputs without a layout; one contradicting a file's own layout is an error" },
    strict: { type: 'boolean', description: 'with --batch: exit 1 when any line failed (default: exit 0 once every line has its result or error line)' },
    prior: { type: 'string', valueName: 'FILE', description: 'positional prior from d2pruner calibrate, for every input' },
    model: MODEL_ID_OPTION,
    image: { type: 'string', valueName: 'WxH', description: "source image size, with --model, for files without a layout (a file's own layout wins; a contradicting one is an error)" },
    'max-tiles': MAX_TILES_OPTION,
  },
  examples: ['prune fixtures/samples/llava-sample.safetensors --method d2pruner --keep 64', 'prune --batch requests.jsonl --workers 2 > results.jsonl'],
  async run({ values, positionals, given, params: flags }, io) {
    const grid = values.grid;
    if (values.batch !== undefined) {
      const stray = [...given].find((name) => !BATCH_OPTIONS.has(name)) ?? flags.keys().next().value;
      if (stray) throw new InvalidArgumentError(stray, `--${stray} does not apply to --batch: each request line names its own method, budget and parameters`);
      if (positionals.length) throw new InvalidArgumentError('FILE', `--batch reads its inputs from the request lines; got the extra argument '${positionals[0]}'`);
      const batchPrior = values.prior ? await loadPriorFile(io, values.prior) : undefined;
      return runBatch(values.batch, io, {
        backend: values.backend,
        workers: values.workers,
        concurrency: values.concurrency,
        layout: grid ? gridLayout(grid[0], grid[1]) : undefined,
        prior: batchPrior?.prior,
        priorLayout: batchPrior?.layoutSignature,
        priorModel: batchPrior?.model,
        priorLayer: batchPrior?.layer,
        strict: values.strict === true,
      });
    }
    const batchOnly = [...given].find((name) => name === 'concurrency' || name === 'workers' || name === 'strict');
    if (batchOnly) throw new InvalidArgumentError(batchOnly, `--${batchOnly} applies to --batch only`);
    const files = positionals;
    if (files.length === 0) throw new InvalidArgumentError('FILE', 'prune needs at least one token file (safetensors); see d2pruner prune --help');
    const method = getMethod(values.method);
    const params = methodParamsFromArgs(method, flags);
    const out = values.out;
    if (out === '') throw new InvalidArgumentError('out', '--out needs a file name (e.g. --out kept.safetensors)');
    if (out !== undefined && files.length > 1) throw new InvalidArgumentError('out', '--out writes one file; give a single input');
    if (out !== undefined) await checkOutputPath(out, 'out', [...files, values.prior]);
    const prior = values.prior ? await loadPriorFile(io, values.prior) : undefined;
    const adapterLayout = adapterLayoutFromArgs(values);
    for (const file of files) {
      const loaded = await loadTokenFile(io, file, { grid, prior: prior?.prior });
      if (adapterLayout) checkLayoutOption(file, loaded, adapterLayout.layout, values.model ? 'model' : 'image');
      const adapted = adapterLayout ? applyAdapterLayout(loaded, adapterLayout) : { input: loaded };
      const { rows } = adapted;
      // a file without a layout gets the square default, as in prune --batch and the server
      const { layout } = completeLayout(adapted.input);
      const input = layout && !adapted.input.layout ? { ...adapted.input, layout } : adapted.input;
      // a prior belongs to the layout it was calibrated on (docs/algorithm.md §6), as in prune --batch
      if (prior?.layoutSignature !== undefined && layout) checkPriorLayout(prior.layoutSignature, layout);
      // and to the model and layer it was calibrated for, when both it and the file record them
      if (prior) checkPriorKey(prior, loaded);
      const selection = await executeRequest(input, { method: method.name, keep: values.keep, ratio: values.ratio, params, backend: values.backend });
      // among the candidate rows of a file that counts structural tokens: report every index in the file's rows
      const shown = rows ? selectionInFileRows(selection, rows) : selection;
      await io.out(values.json ? selectionJson(shown) + '\n' : formatSelection(file, shown));
      if (out !== undefined) {
        await writeOutputFile(io, out, prunedFeaturesFile(input, selection, rows));
        io.err(`prune: wrote the ${selection.keep.length} kept rows of ${file} (features [${selection.keep.length}, ${input.features?.cols ?? 0}], keep, layout) → ${out}\n`);
      }
    }
    return 0;
  },
});
