import { BUILTIN_METHODS, listMethods } from '@d2pruner/methods';

const BUILTINS: ReadonlySet<unknown> = new Set(BUILTIN_METHODS);

/**
 * Whether the method registry holds the built-in methods and nothing else: the workers know
 * exactly those, so a method registered, replaced or removed on this thread would differ there
 * and work that names methods must then stay here.
 */
export function onlyBuiltinMethods(): boolean {
  const methods = listMethods();
  return methods.length === BUILTINS.size && methods.every((m) => BUILTINS.has(m));
}
