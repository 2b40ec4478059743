import { methodRegistry, type Method } from '@d2pruner/core';
import { cdprunerMethod } from './baselines/cdpruner.js';
import { dartMethod } from './baselines/dart.js';
import { divpruneMethod } from './baselines/divprune.js';
import { fastvMethod } from './baselines/fastv.js';
import { randomMethod } from './baselines/random.js';
import { uniformMethod } from './baselines/uniform.js';
import { visionzipMethod } from './baselines/visionzip.js';
import { visprunerMethod } from './baselines/vispruner.js';
import { d2prunerMethod } from './d2pruner/method.js';

/** The methods this package provides, in the order `d2pruner methods` lists them. */
export const BUILTIN_METHODS: readonly Method[] = [
  d2prunerMethod,
  fastvMethod,
  dartMethod,
  divpruneMethod,
  visprunerMethod,
  visionzipMethod,
  cdprunerMethod,
  uniformMethod,
  randomMethod,
];

let registered = false;

/**
 * Adds the built-in methods to the process-wide registry (idempotent). Called by
 * {@link getMethod} and {@link listMethods}, so importing this package has no side effect.
 */
export function registerBuiltinMethods(): void {
  if (registered) return;
  registered = true;
  for (const m of BUILTIN_METHODS) if (!methodRegistry.has(m.name)) methodRegistry.register(m);
}

/** Looks up a method (built-in or user-registered) by name or alias; typed error when unknown. */
export function getMethod(name: string): Method {
  registerBuiltinMethods();
  return methodRegistry.get(name);
}

/** Every registered method, built-ins first. */
export function listMethods(): Method[] {
  registerBuiltinMethods();
  return methodRegistry.list();
}
