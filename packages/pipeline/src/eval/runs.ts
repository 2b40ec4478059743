import { InvalidArgumentError, camelCase, parseDecimal, parseParamValue, resolveParams, type MethodParams } from '@d2pruner/core';
import { getMethod } from '@d2pruner/methods';
import type { EvalBudget, EvalRun } from './evaluate.js';

/** The most (method, budget) pairs one evaluation runs. */
export const MAX_EVAL_RUNS = 256;

/**
 * Parses `method.name=value` entries (`--param`, a query's `param`) into parameters per method:
 * `name` in kebab or camel case, typed and range-checked by the method's ParamSpec before any
 * file is read. A method not among `methods`, an unknown parameter, or a malformed entry is a
 * typed error naming `param` (or the parameter, for a value out of its range).
 */
export function methodParamsByName(entries: readonly string[], methods: readonly string[]): Map<string, MethodParams> {
  const out = new Map<string, MethodParams>();
  for (const entry of entries) {
    const m = /^([\w-]+)\.([\w-]+)=(.*)$/s.exec(entry);
    if (!m) throw new InvalidArgumentError('param', `param expects method.name=value (e.g. d2pruner.alpha=0.5), got '${entry}'`);
    const method = getMethod(m[1]);
    if (!methods.includes(method.name)) throw new InvalidArgumentError('param', `param ${entry}: method '${method.name}' is not among the methods (${methods.join(', ')})`);
    const key = camelCase(m[2]);
    const spec = method.params.find((p) => p.name === key);
    if (!spec) throw new InvalidArgumentError('param', `param ${entry}: '${method.name}' has no parameter '${m[2]}'; its parameters: ${method.params.map((p) => p.name).join(', ') || '(none)'}`);
    const params = out.get(method.name) ?? {};
    params[key] = parseParamValue(spec, m[3]);
    out.set(method.name, params);
  }
  for (const [name, params] of out) resolveParams(name, getMethod(name).params, params);
  return out;
}

/**
 * Every (method, budget) of an evaluation, each method with its parameters: method names are
 * resolved through the registry (aliases become names), budgets checked (`keep` integers ≥ 1,
 * `ratio` in (0, 1]), none twice, at most {@link MAX_EVAL_RUNS} pairs. Typed errors name `methods`, `keep`,
 * `ratio` or `param`.
 */
export function evalRuns(methods: readonly string[], budgets: readonly EvalBudget[], params: readonly string[] = []): EvalRun[] {
  if (methods.length === 0) throw new InvalidArgumentError('methods', 'an evaluation needs at least one method');
  if (budgets.length === 0) throw new InvalidArgumentError('ratio', 'an evaluation needs at least one budget (ratio or keep)');
  if (methods.length * budgets.length > MAX_EVAL_RUNS) throw new InvalidArgumentError('methods', `${methods.length} methods × ${budgets.length} budgets exceed ${MAX_EVAL_RUNS} runs`);
  for (const b of budgets) {
    if (('keep' in b) === ('ratio' in b)) throw new InvalidArgumentError('budget', `a budget is {keep} or {ratio}, exactly one, got ${JSON.stringify(b)}`);
    if ('keep' in b && !(Number.isInteger(b.keep) && b.keep >= 1)) throw new InvalidArgumentError('keep', `keep values are integers ≥ 1, got ${b.keep}`);
    if ('ratio' in b && !(b.ratio > 0 && b.ratio <= 1)) throw new InvalidArgumentError('ratio', `ratio values are in (0, 1], got ${b.ratio}`);
  }
  const names = methods.map((m) => getMethod(m).name);
  const twice = names.find((m, k) => names.indexOf(m) !== k);
  if (twice) throw new InvalidArgumentError('methods', `method '${twice}' is named twice`);
  const keys = budgets.map((b) => JSON.stringify(b));
  const again = keys.find((b, k) => keys.indexOf(b) !== k);
  if (again) throw new InvalidArgumentError(again.startsWith('{"keep"') ? 'keep' : 'ratio', `budget ${again} is given twice`);
  const byMethod = methodParamsByName(params, names);
  return names.flatMap((method) => budgets.map((budget) => ({ method, budget, ...(byMethod.has(method) ? { params: byMethod.get(method) } : {}) })));
}

/**
 * Budgets from comma-separated text (`--ratio 0.1,0.25`, `?keep=64,128`): give one of the two;
 * neither means ratio 0.1. Typed errors name `ratio` or `keep`.
 */
export function budgetsFromText(ratio: string | undefined, keep: string | undefined): EvalBudget[] {
  if (ratio !== undefined && keep !== undefined) throw new InvalidArgumentError('keep', 'give ratio or keep, not both');
  const name = keep !== undefined ? 'keep' : 'ratio';
  const text = keep ?? ratio ?? '0.1';
  if (text.trim() === '') throw new InvalidArgumentError(name, `${name} needs at least one value (comma-separated), got '${text}'`);
  const values = splitList(text, name);
  return values.map((v) => {
    const n = parseDecimal(v);
    if (n === undefined) throw new InvalidArgumentError(name, `${name} expects decimal numbers, got '${v}'`);
    return name === 'keep' ? { keep: n } : { ratio: n };
  });
}

/**
 * A comma-separated list, trimmed. With `field`, an empty entry (`64,,128`, a trailing comma, an
 * empty text) is a typed error naming it — a value left out by mistake is not dropped silently;
 * without, empty entries are dropped.
 */
export function splitList(text: string, field?: string): string[] {
  const items = text.split(',').map((s) => s.trim());
  if (field === undefined) return items.filter(Boolean);
  const empty = items.indexOf('');
  if (empty >= 0) throw new InvalidArgumentError(field, `${field} has an empty entry (number ${empty + 1}) in '${text}': give values separated by single commas, e.g. a,b`);
  return items;
}
