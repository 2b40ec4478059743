import type { MethodContextBase } from './context.js';
import { Registry } from './registry.js';
import type { Selection } from './selection.js';
import type { TensorName, TokenInput } from './token-input.js';

/** Type of a method parameter, for validation, CLI parsing and documentation. */
export type ParamType = 'number' | 'integer' | 'string' | 'boolean';

/** Declares one parameter of a method (name in camelCase, as the API uses it). */
export interface ParamSpec {
  /** API name (camelCase); the CLI flag is its kebab-case form. */
  name: string;
  /** Value type. */
  type: ParamType;
  /** Default value, or a description of a computed default. */
  default?: number | string | boolean | null;
  /** Human description of a computed default (e.g. "⌊(5n+16)/32⌋"). */
  defaultNote?: string;
  /** Allowed values for a string parameter. */
  enum?: readonly string[];
  /** Inclusive lower bound. */
  min?: number;
  /** Inclusive upper bound. */
  max?: number;
  /** One-line description. */
  description: string;
}

/** Free-form method parameters as received from a caller (JSON, CLI). */
export type MethodParams = Record<string, unknown>;

/**
 * A pruning method behind the common interface: it declares the tensors it consumes and its
 * parameters, and turns one input plus a budget into a {@link Selection}.
 */
export interface Method {
  /** Registry name, e.g. `d2pruner`. */
  readonly name: string;
  /** Other names it answers to. */
  readonly aliases?: readonly string[];
  /** One-line description. */
  readonly description: string;
  /** Tensors it always needs. */
  readonly requires: readonly TensorName[];
  /** Tensors it uses when present. */
  readonly optional: readonly TensorName[];
  /** Whether it needs a layout (given or derivable). */
  readonly needsLayout: boolean;
  /** Its parameters with defaults. */
  readonly params: readonly ParamSpec[];
  /**
   * Selects `budget` tokens. Throws a typed error on invalid input (naming the field).
   * @param input the tokens
   * @param budget tokens to keep
   * @param params method parameters (API names); absent ones take their defaults
   * @param context backend choice and cancellation
   */
  select(input: TokenInput, budget: number, params?: MethodParams, context?: MethodContextBase): Promise<Selection>;
}

/** The process-wide method registry. Built-in methods are added by `@d2pruner/methods`. */
export const methodRegistry = new Registry<Method>('method');

/** Registers a (user) method so the CLI, batch mode, pipelines and server can use it. */
export function registerMethod(method: Method, options?: { replace?: boolean }): void {
  methodRegistry.register(method, options);
}
