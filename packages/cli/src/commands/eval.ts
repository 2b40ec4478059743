import { parseArgs } from 'node:util';
import { InvalidArgumentError } from '@d2pruner/core';
import { reportHtml, sampleCollector } from '@d2pruner/eval-report';
import { readChartLibraries } from '@d2pruner/eval-report/node';
import { getMethod } from '@d2pruner/methods';
import { evaluate, evaluateOutcomes, type EvalBudget, type EvalOutcome, type EvalReport, type EvalRun } from '@d2pruner/pipeline';
import { lastValueFrom, tap } from 'rxjs';
import type { ParsedArgs } from '../args.js';
import { ensureBackend } from '../backends.js';
import { declaredArgs, listOption, numberValue } from '../declared-args.js';
import { formatEvalTable } from '../eval/table.js';
import { methodParamsByName } from '../eval-params.js';
import type { CliIo } from '../io.js';
import { loadPriorFile, readInputFile } from '../load.js';
import { progressRenderer } from '../progress.js';

/** The options `d2pruner eval` declares (node:util parseArgs). */
export const EVAL_OPTIONS = {
  methods: { type: 'string' },
  ratio: { type: 'string' },
  keep: { type: 'string' },
  prior: { type: 'string' },
  param: { type: 'string', multiple: true },
  backend: { type: 'string' },
  json: { type: 'boolean' },
  report: { type: 'string' },
  concurrency: { type: 'string' },
} as const;

/** Methods `d2pruner eval` runs when `--methods` is not given. */
export const DEFAULT_EVAL_METHODS = ['d2pruner', 'fastv', 'divprune'];

function budgets(ratio: string | undefined, keep: string | undefined): EvalBudget[] {
  if (ratio !== undefined && keep !== undefined) throw new InvalidArgumentError('keep', 'give --ratio or --keep, not both');
  if (keep !== undefined) return (listOption(keep) ?? []).map((k) => ({ keep: numberValue('keep', k) as number }));
  return (listOption(ratio ?? '0.1') ?? []).map((r) => ({ ratio: numberValue('ratio', r) as number }));
}

/** Every (method, budget), with each method's `--param` parameters. */
export function evalRuns(methods: readonly string[], list: readonly EvalBudget[], params: readonly string[]): EvalRun[] {
  if (methods.length === 0) throw new InvalidArgumentError('methods', '--methods needs at least one method');
  if (list.length === 0) throw new InvalidArgumentError('ratio', 'give at least one budget (--ratio or --keep)');
  for (const b of list) {
    if ('keep' in b && !(Number.isInteger(b.keep) && b.keep >= 1)) throw new InvalidArgumentError('keep', `--keep values are integers ≥ 1, got ${b.keep}`);
    if ('ratio' in b && !(b.ratio > 0 && b.ratio <= 1)) throw new InvalidArgumentError('ratio', `--ratio values are in (0, 1], got ${b.ratio}`);
  }
  const names = methods.map((m) => getMethod(m).name);
  const byMethod = methodParamsByName(params, names);
  return names.flatMap((method) => list.map((budget) => ({ method, budget, ...(byMethod.has(method) ? { params: byMethod.get(method) } : {}) })));
}

/**
 * `d2pruner eval FILES… [--methods a,b] [--ratio r,… | --keep n,…] [--prior FILE]
 * [--param method.name=value …] [--backend B] [--json] [--report FILE.html] [--concurrency k]`
 * (eval.md §3): every (method, budget) on every labelled file through the batch pipeline, then
 * the table (or the JSON), and optionally the self-contained HTML report. A method that a file
 * cannot run (a missing tensor, say) is reported on stderr and counted as skipped.
 */
export async function evalCommand(_args: ParsedArgs, io: CliIo, argv: readonly string[] = []): Promise<number> {
  const { values, positionals } = declaredArgs(() => parseArgs({ args: [...argv], options: EVAL_OPTIONS, allowPositionals: true, strict: true }));
  if (positionals.length === 0) throw new InvalidArgumentError('FILE', 'eval needs at least one labelled token file (safetensors with an object tensor)');
  const runs = evalRuns(listOption(values.methods) ?? DEFAULT_EVAL_METHODS, budgets(values.ratio, values.keep), values.param ?? []);
  const concurrency = numberValue('concurrency', values.concurrency) ?? 2;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new InvalidArgumentError('concurrency', '--concurrency must be an integer ≥ 1');
  const prior = values.prior ? await loadPriorFile(io, values.prior) : undefined;
  const libraries = values.report ? await readChartLibraries() : undefined;
  const samples = sampleCollector(runs);
  const reported = new Set<string>();
  const onOutcome = (o: EvalOutcome) => {
    samples.add(o);
    if (!o.error) return;
    const line = `eval: skipped ${o.run.method} on ${o.file}: [${o.error.code}] ${o.error.field}: ${o.error.message}`;
    if (reported.has(line)) return;
    reported.add(line);
    io.err(`${line}\n`);
  };
  const report: EvalReport = await lastValueFrom(
    evaluateOutcomes(positionals, {
      runs,
      prior,
      backend: values.backend,
      concurrency,
      ensureBackend,
      readFile: (path) => readInputFile(io, path),
      total: positionals.length,
      onProgress: io.isTTY ? progressRenderer(io.err, 'eval') : undefined,
    }).pipe(tap(onOutcome), evaluate(runs)),
  );
  await io.out(values.json ? JSON.stringify(report) + '\n' : formatEvalTable(report));
  if (values.report && libraries) {
    await io.writeFile(values.report, new TextEncoder().encode(reportHtml(report, samples.samples(), libraries)));
    io.err(`eval: report → ${values.report}\n`);
  }
  return 0;
}
