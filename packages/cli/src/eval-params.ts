import { InvalidArgumentError, camelCase, parseParamValue, resolveParams, type MethodParams } from '@d2pruner/core';
import { getMethod } from '@d2pruner/methods';

/**
 * Parses `--param method.name=value` entries into parameters per method: `name` in kebab or
 * camel case, typed and range-checked by the method's ParamSpec before any file is read. A method not among `methods`, an unknown
 * parameter, or a malformed entry is a typed error naming `param`.
 */
export function methodParamsByName(entries: readonly string[], methods: readonly string[]): Map<string, MethodParams> {
  const out = new Map<string, MethodParams>();
  for (const entry of entries) {
    const m = /^([\w-]+)\.([\w-]+)=(.*)$/s.exec(entry);
    if (!m) throw new InvalidArgumentError('param', `--param expects method.name=value (e.g. d2pruner.alpha=0.5), got '${entry}'`);
    const method = getMethod(m[1]);
    if (!methods.includes(method.name)) throw new InvalidArgumentError('param', `--param ${entry}: method '${method.name}' is not among --methods (${methods.join(', ')})`);
    const key = camelCase(m[2]);
    const spec = method.params.find((p) => p.name === key);
    if (!spec) throw new InvalidArgumentError('param', `--param ${entry}: '${method.name}' has no parameter '${m[2]}'; its parameters: ${method.params.map((p) => p.name).join(', ') || '(none)'}`);
    const params = out.get(method.name) ?? {};
    params[key] = parseParamValue(spec, m[3]);
    out.set(method.name, params);
  }
  for (const [name, params] of out) resolveParams(name, getMethod(name).params, params);
  return out;
}
