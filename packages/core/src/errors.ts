/**
 * Machine-readable error codes. Every error the library throws on purpose carries one of these,
 * plus the offending `field`, so that callers (the CLI, the server, a batch) can report it
 * without parsing messages.
 */
export type ErrorCode =
  | 'INVALID_INPUT'
  | 'INVALID_ARGUMENT'
  | 'MISSING_TENSOR'
  | 'SHAPE_MISMATCH'
  | 'UNSUPPORTED_DTYPE'
  | 'CORRUPT_FILE'
  | 'UNKNOWN_NAME'
  | 'BACKEND_UNAVAILABLE'
  | 'DEVICE_LOST'
  | 'INTERNAL';

/** JSON form of an error, as written by the CLI, batch mode and the server (docs/formats.md §2). */
export interface ErrorJson {
  /** What went wrong, machine-readable. */
  code: ErrorCode;
  /** The input, tensor, parameter or header field at fault. */
  field: string;
  /** A sentence for people. */
  message: string;
}

/**
 * Marks every typed error, in a registry shared by every copy of this package in a process (a
 * bundle beside the installed package, two versions side by side): {@link isD2PrunerError} knows
 * an error thrown by another copy, which `instanceof` does not.
 */
const TYPED = Symbol.for('@d2pruner/core:D2PrunerError');

/**
 * Base class of every typed error. `code` says what went wrong, `field` names the input,
 * tensor, parameter or file region that caused it.
 */
export class D2PrunerError extends Error {
  /** What went wrong, machine-readable. */
  readonly code: ErrorCode;
  /** The input, tensor, parameter or header field at fault. */
  readonly field: string;

  /** @param code error code @param field offending field @param message human explanation */
  constructor(code: ErrorCode, field: string, message: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.field = field;
    Object.defineProperty(this, TYPED, { value: true });
  }

  /** Serialises to the `{code, field, message}` object of docs/formats.md §2. */
  toJSON(): ErrorJson {
    return { code: this.code, field: this.field, message: this.message };
  }
}

/** A value is out of its domain: NaN, negative attention, bad budget, bad parameter. */
export class InvalidInputError extends D2PrunerError {
  /** @param field offending field @param message explanation */
  constructor(field: string, message: string) {
    super('INVALID_INPUT', field, message);
  }
}

/** A caller-supplied argument (CLI flag, option) is malformed or unknown. */
export class InvalidArgumentError extends D2PrunerError {
  /** @param field offending argument @param message explanation */
  constructor(field: string, message: string) {
    super('INVALID_ARGUMENT', field, message);
  }
}

/** A method needs a tensor the input does not carry. `field` is the tensor name. */
export class MissingTensorError extends D2PrunerError {
  /** @param tensor name of the missing tensor @param needer who needs it */
  constructor(tensor: string, needer: string) {
    super('MISSING_TENSOR', tensor, `${needer} needs the tensor '${tensor}', which the input does not carry`);
  }
}

/** Two inputs disagree in shape, or one has the wrong rank. */
export class ShapeMismatchError extends D2PrunerError {
  /** @param field offending tensor @param message explanation */
  constructor(field: string, message: string) {
    super('SHAPE_MISMATCH', field, message);
  }
}

/** A safetensors tensor uses a dtype this library does not read. */
export class UnsupportedDtypeError extends D2PrunerError {
  /** @param field tensor name @param dtype the dtype found @param message explanation (a default names the supported dtypes) */
  constructor(field: string, dtype: string, message?: string) {
    super('UNSUPPORTED_DTYPE', field, message ?? `tensor '${field}' has dtype ${dtype.slice(0, 40)}; supported: F32, F16, BF16, F64 (rounded to F32), and I32/I64 for index tensors`);
  }
}

/** A file is truncated, corrupt, or its header contradicts its contents. */
export class CorruptFileError extends D2PrunerError {
  /** @param field header field or region @param message explanation */
  constructor(field: string, message: string) {
    super('CORRUPT_FILE', field, message);
  }
}

/** A name (method, backend, adapter, kernel) is not registered. */
export class UnknownNameError extends D2PrunerError {
  /** @param field kind of name @param name what was asked @param known what exists */
  constructor(field: string, name: string, known: readonly string[]) {
    super('UNKNOWN_NAME', field, `unknown ${field} '${name}'; known: ${known.join(', ') || '(none)'}`);
  }
}

/** No backend could run a kernel; the message names every failure. */
export class BackendUnavailableError extends D2PrunerError {
  /** @param field backend or kernel name @param message explanation */
  constructor(field: string, message: string) {
    super('BACKEND_UNAVAILABLE', field, message);
  }
}

/** A GPU device was lost while a kernel ran. */
export class DeviceLostError extends D2PrunerError {
  /** @param backend backend name @param message explanation */
  constructor(backend: string, message: string) {
    super('DEVICE_LOST', backend, message);
  }
}

/** Most characters of a caller's value an error message quotes ({@link quoteValue}). */
export const MAX_QUOTED_CHARS = 200;

/**
 * A caller's value for an error message: its JSON text (strings quoted), cut to
 * {@link MAX_QUOTED_CHARS} characters with the full length noted. Never throws (cycles, BigInt,
 * deep nesting give a placeholder), so reporting a bad value cannot itself fail.
 */
export function quoteValue(v: unknown, max = MAX_QUOTED_CHARS): string {
  let text: string;
  try {
    // JSON writes NaN and ±Infinity as null, which would misreport the value
    text = typeof v === 'number' && !Number.isFinite(v) ? String(v) : (JSON.stringify(v) ?? String(v));
  } catch {
    text = Array.isArray(v) ? `[array of ${v.length}]` : `<${typeof v}>`;
  }
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length} characters)`;
}

/**
 * True when `e` is one of this library's typed errors — also when another copy of
 * `@d2pruner/core` in the process threw it (a bundled CLI and the GPU backend packages it loads,
 * say), whose class `instanceof` does not know.
 */
export function isD2PrunerError(e: unknown): e is D2PrunerError {
  if (e instanceof D2PrunerError) return true;
  if (typeof e !== 'object' || e === null || (e as Record<symbol, unknown>)[TYPED] !== true) return false;
  const { code, field, message } = e as { code?: unknown; field?: unknown; message?: unknown };
  return typeof code === 'string' && typeof field === 'string' && typeof message === 'string' && typeof (e as { toJSON?: unknown }).toJSON === 'function';
}

/**
 * Converts anything thrown into the error JSON. Untyped errors become `INTERNAL` so that a
 * batch or server can still answer without leaking a stack trace.
 */
export function toErrorJson(e: unknown): ErrorJson {
  if (isD2PrunerError(e)) return e.toJSON();
  const message = e instanceof Error ? e.message : String(e);
  return { code: 'INTERNAL', field: '', message };
}
