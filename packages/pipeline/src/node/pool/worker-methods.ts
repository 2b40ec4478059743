import { methodRegistry } from '@d2pruner/core';
import { BUILTIN_METHODS, listMethods } from '@d2pruner/methods';

const BUILTINS: ReadonlySet<unknown> = new Set(BUILTIN_METHODS);

/** Whether `method` is one of the built-in method objects (the ones every worker has). */
export function isBuiltinMethod(method: unknown): boolean {
  return BUILTINS.has(method);
}

/**
 * Whether the method registry holds the built-in methods and nothing else, each under its name
 * and every alias: the workers know exactly those, so a method registered, replaced or removed
 * on this thread — or an alias taken over by another method and gone with it — would differ
 * there, and work that names methods must then stay here.
 */
export function onlyBuiltinMethods(): boolean {
  const methods = listMethods();
  if (methods.length !== BUILTINS.size || !methods.every(isBuiltinMethod)) return false;
  return BUILTIN_METHODS.every((m) => [m.name, ...(m.aliases ?? [])].every((name) => methodRegistry.find(name) === m));
}
