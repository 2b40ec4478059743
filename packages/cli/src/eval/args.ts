import { InvalidArgumentError, camelCase, type Method } from '@d2pruner/core';
import { getMethod } from '@d2pruner/methods';
import { decimalFlag } from '../cli/convert.js';

/** The registered method named `name`, or undefined (the pipeline's `evalRuns` reports unknown names). */
function findMethod(name: string): Method | undefined {
  try {
    return getMethod(name);
  } catch {
    return undefined;
  }
}

/**
 * Checks the value text of `eval --param method.name=value` entries against the parameter's
 * type: a number takes plain decimal text only, a boolean true/false/1/0. Typed errors name
 * `param` (the flag given) and say which parameter — the pipeline's `evalRuns` would name the
 * parameter alone (`alpha`), as if `--alpha` had been given. Malformed entries, unknown methods
 * or parameters and out-of-range values are left to `evalRuns`.
 */
export function checkParamValues(entries: readonly string[]): void {
  for (const entry of entries) {
    const m = /^([\w-]+)\.([\w-]+)=(.*)$/s.exec(entry);
    const spec = m ? findMethod(m[1])?.params.find((p) => p.name === camelCase(m[2])) : undefined;
    if (!m || !spec) continue;
    const label = `--param ${m[1]}.${m[2]}`;
    if (spec.type === 'number' || spec.type === 'integer') decimalFlag('param', m[3], label);
    if (spec.type === 'boolean' && !/^(true|false|1|0)$/.test(m[3])) throw new InvalidArgumentError('param', `${label} expects true or false, got '${m[3]}'`);
  }
}
