import { kebabCase, type ParamSpec } from '@d2pruner/core';
import { listMethods } from '@d2pruner/methods';

/** One method parameter flag and the methods that declare it. */
export interface MethodFlag {
  /** Flag name (kebab-case). */
  name: string;
  /** Whether every method declaring it declares a boolean (a bare `--flag` then means true). */
  boolean: boolean;
  /** The declarations, by method name. */
  specs: { method: string; spec: ParamSpec }[];
}

/**
 * The flags of every registered method's parameters, derived from their ParamSpec declarations
 * (`pivotRatio` → `--pivot-ratio`). Which of them a run accepts depends on its `--method`.
 */
export function methodFlags(): Map<string, MethodFlag> {
  const flags = new Map<string, MethodFlag>();
  for (const m of listMethods()) {
    for (const spec of m.params) {
      const name = kebabCase(spec.name);
      const flag = flags.get(name) ?? { name, boolean: true, specs: [] };
      flag.boolean &&= spec.type === 'boolean';
      flag.specs.push({ method: m.name, spec });
      flags.set(name, flag);
    }
  }
  return flags;
}
