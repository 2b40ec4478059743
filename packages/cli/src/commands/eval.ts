import { InvalidArgumentError, type ErrorJson } from '@d2pruner/core';
import { reportHtml, sampleCollector } from '@d2pruner/eval-report';
import { readChartLibraries } from '@d2pruner/eval-report/node';
import { budgetsFromText, evalRuns, evaluate, evaluateOutcomes, splitList, type EvalOptions, type EvalOutcome, type EvalReport } from '@d2pruner/pipeline';
import { evaluateInPool, helperThread } from '@d2pruner/pipeline/node';
import { lastValueFrom, tap } from 'rxjs';
import { ensureBackend } from '../backends.js';
import { defineCommand } from '../cli/command.js';
import { BACKEND_OPTION, JSON_OPTION } from '../cli/common-options.js';
import { MAX_CONCURRENCY, checkConcurrency } from '../concurrency-limit.js';
import { checkParamValues } from '../eval/args.js';
import { formatEvalTable } from '../eval/table.js';
import { loadPriorFile, readInputFile, writeOutputFile } from '../load.js';
import { oneLine } from '../one-line.js';
import { checkOutputPath } from '../output-path.js';
import { progressLine } from '../progress.js';
import { withWorkerPool } from '../workers.js';
import { MAX_WORKERS } from '../worker-limit.js';

/** Methods `d2pruner eval` runs when `--methods` is not given. */
export const DEFAULT_EVAL_METHODS = 'd2pruner,fastv,divprune';

/**
 * `d2pruner eval FILES…` (docs/eval.md): every (method, budget) on every labelled file through
 * the batch pipeline, then the table (or the JSON) and optionally the self-contained HTML report.
 * A method that a file cannot run (a missing tensor, say), or whose selection the metrics refuse
 * (|K| ≠ min(n, N)), is reported on stderr, once per file and method, and counted as skipped —
 * never as a zero. When nothing ran at all (every file unreadable or unlabelled, say), the report
 * is still printed and the exit code is 2, so a script does not take an empty table for a result.
 */
export const evalCommand = defineCommand({
  name: 'eval',
  summary: 'Which method keeps what the question is about: metrics of every method and budget on labelled token files.',
  usage: ['eval FILE… [--methods a,b] [--ratio R,… | --keep N,…] [--prior FILE] [--param method.name=value …] [--json] [--report report.html]'],
  positionals: 'FILE…',
  options: {
    methods: { type: 'string', valueName: 'a,b,…', default: DEFAULT_EVAL_METHODS, description: 'methods to compare' },
    ratio: { type: 'string', valueName: 'R,…', defaultNote: '0.1', description: 'budgets as fractions of the tokens, n = max(1, round(R·N))' },
    keep: { type: 'string', valueName: 'N,…', description: 'budgets as token counts (instead of --ratio)' },
    prior: { type: 'string', valueName: 'FILE', description: "positional prior for every file (D2Pruner's debias), e.g. from d2pruner scenes or calibrate" },
    param: { type: 'string', valueName: 'method.name=value', multiple: true, description: 'a parameter of one method; repeat for more' },
    backend: BACKEND_OPTION,
    json: { ...JSON_OPTION, description: 'print the eval JSON instead of a table' },
    report: { type: 'string', valueName: 'FILE.html', description: 'also write a self-contained HTML report (table, budget sweeps, token grids)' },
    concurrency: { type: 'number', valueName: 'K', default: 2, description: `files in flight (at most ${MAX_CONCURRENCY})` },
    workers: { type: 'number', valueName: 'W', description: `run the methods in a pool of W worker threads (CPU backends, at most ${MAX_WORKERS}), as prune --batch does; 0 (the default) runs them on the main thread` },
  },
  examples: [
    'scenes scenes/ --count 60 --bias bottom --strength 4',
    'eval scenes/scene-*.safetensors --prior scenes/prior.safetensors --ratio 0.05,0.1,0.25 --report report.html',
    'eval data/*.safetensors --methods d2pruner,fastv --keep 64 --param d2pruner.alpha=0.5 --json',
  ],
  async run({ values, positionals }, io) {
    if (positionals.length === 0) throw new InvalidArgumentError('FILE', 'eval needs at least one labelled token file (safetensors with an object tensor)');
    const budgets = budgetsFromText(values.ratio, values.keep);
    checkParamValues(values.param ?? []);
    const runs = evalRuns(splitList(values.methods, 'methods'), budgets, values.param ?? []);
    const { concurrency, workers } = values;
    checkConcurrency(concurrency);
    if (workers !== undefined && !(Number.isInteger(workers) && workers >= 0 && workers <= MAX_WORKERS)) throw new InvalidArgumentError('workers', `--workers must be an integer in [0, ${MAX_WORKERS}] (0: the main thread, as without it)`);
    if (values.report === '') throw new InvalidArgumentError('report', '--report needs a file name (e.g. --report report.html)');
    if (values.report !== undefined) await checkOutputPath(values.report, 'report', [...positionals, values.prior]);
    const priorFile = values.prior ? await loadPriorFile(io, values.prior) : undefined;
    const prior = priorFile?.prior;
    const priorLayout = priorFile?.layoutSignature;
    const priorModel = priorFile?.model;
    const priorLayer = priorFile?.layer;
    const libraries = values.report !== undefined ? await readChartLibraries() : undefined;
    const samples = sampleCollector(runs);
    const reported = new Set<string>();
    const progress = progressLine(io.err, 'eval', io.isTTY);
    // every skip the report counts, a selection the metrics refuse (|K| ≠ min(n, N)) included
    const onSkip = (o: EvalOutcome, error: ErrorJson) => {
      const line = `eval: skipped ${oneLine(o.run.method)} on ${oneLine(o.file)}: [${error.code}] ${oneLine(error.field)}: ${oneLine(error.message)}\n`;
      if (!reported.has(line)) progress.message(line);
      reported.add(line);
    };
    const report: EvalReport = await withWorkerPool(workers ?? 0, (pool) => {
      const options: EvalOptions = {
        runs,
        prior,
        priorLayout,
        priorModel,
        priorLayer,
        backend: values.backend,
        concurrency: pool ? Math.max(concurrency, 2 * pool.workers) : concurrency,
        ensureBackend,
        readFile: (path) => readInputFile(io, path),
        total: positionals.length,
        onProgress: progress.onProgress,
      };
      // with a pool, each file goes to a worker whole: decoded once there, every run on it
      const outcomes = pool ? evaluateInPool(positionals, { ...options, pool }) : evaluateOutcomes(positionals, { ...options, helper: helperThread() });
      return lastValueFrom(outcomes.pipe(tap((o) => samples.add(o)), evaluate(runs, { onSkip })));
    });
    await io.out(values.json ? JSON.stringify(report) + '\n' : formatEvalTable(report));
    if (values.report !== undefined && libraries) {
      await writeOutputFile(io, values.report, new TextEncoder().encode(reportHtml(report, samples.samples(), libraries)), 'report');
      io.err(`eval: report → ${values.report}\n`);
    }
    if (report.results.every((r) => r.files === 0)) {
      io.err(`eval: no method ran on any of the ${positionals.length} file(s); every run was skipped (reasons above)\n`);
      return 2;
    }
    return 0;
  },
});
