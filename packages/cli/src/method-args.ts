import { InvalidArgumentError, camelCase, kebabCase, parseParamValue, resolveParams, type Method, type MethodParams } from '@d2pruner/core';
import { decimalFlag } from './cli/convert.js';
import { withFlagNames } from './flag-fields.js';

/**
 * Turns the method parameter flags a command parsed (`--pivot-ratio 0.5`) into the chosen
 * method's parameters (`{pivotRatio: 0.5}`), typed by its ParamSpec. A flag of another method
 * is a typed error naming it and listing the chosen method's own flags; a numeric parameter takes
 * plain decimal text only, a typed error naming its flag otherwise. The values are then checked
 * against the ParamSpec (range, integer, enum) before any input is read, a typed error naming
 * the flag typed (`pivot-ratio`, not `pivotRatio`).
 */
export function methodParamsFromArgs(method: Method, flags: ReadonlyMap<string, string | boolean>): MethodParams {
  const params: MethodParams = {};
  const specs = new Map(method.params.map((p) => [p.name, p]));
  for (const [name, value] of flags) {
    const key = camelCase(name);
    const spec = specs.get(key);
    if (!spec) {
      const known = method.params.map((p) => `--${kebabCase(p.name)}`);
      throw new InvalidArgumentError(name, `unknown option --${name} for method '${method.name}'; its parameters: ${known.join(' ') || '(none)'}`);
    }
    if (typeof value === 'boolean') {
      if (spec.type !== 'boolean') throw new InvalidArgumentError(name, `--${name} needs a value`);
      params[key] = value;
    } else {
      if (spec.type === 'number' || spec.type === 'integer') decimalFlag(name, value);
      params[key] = parseParamValue(spec, value);
    }
  }
  const flagNames = Object.fromEntries(method.params.map((p) => [p.name, kebabCase(p.name)]));
  withFlagNames(flagNames, () => resolveParams(method.name, method.params, params));
  return params;
}
