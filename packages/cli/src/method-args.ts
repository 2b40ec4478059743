import { InvalidArgumentError, camelCase, parseParamValue, type Method, type MethodParams } from '@d2pruner/core';
import type { ParsedArgs } from './args.js';

/**
 * Collects method parameters from the options that are not command options: `--pivot-ratio 0.5`
 * becomes `{pivotRatio: 0.5}` typed by the method's ParamSpec. An option the method does not
 * know is a typed error naming it.
 */
export function methodParamsFromArgs(method: Method, args: ParsedArgs, commandOptions: ReadonlySet<string>): MethodParams {
  const params: MethodParams = {};
  const specs = new Map(method.params.map((p) => [p.name, p]));
  for (const [name, value] of args.options) {
    if (commandOptions.has(name)) continue;
    const key = camelCase(name);
    const spec = specs.get(key);
    if (!spec) {
      const known = method.params.map((p) => `--${p.name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`);
      throw new InvalidArgumentError(name, `unknown option --${name} for method '${method.name}'; its parameters: ${known.join(' ') || '(none)'}`);
    }
    if (value === true) {
      if (spec.type !== 'boolean') throw new InvalidArgumentError(name, `--${name} needs a value`);
      params[key] = true;
    } else {
      params[key] = parseParamValue(spec, value);
    }
  }
  return params;
}
