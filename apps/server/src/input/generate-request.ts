import { InvalidArgumentError, InvalidInputError, camelCase, quoteValue, resolveParams, type MethodParams } from '@d2pruner/core';
import { getMethod } from '@d2pruner/methods';
import { HttpError } from '../http-error.js';
import { imageFromRequest, type EncodedImage } from './image.js';

/** A checked `POST /v1/generate` request. */
export interface GenerateSpec {
  /** The question (used verbatim when it holds the image placeholder, else wrapped in the llava-hf template). */
  prompt: string;
  /** The image, format and size checked. */
  image: EncodedImage;
  /** Run every visual token (no method, keep or ratio). */
  noPrune: boolean;
  /** Canonical method name (`d2pruner` by default); null with `noPrune`. */
  method: string | null;
  /** Visual tokens to keep per image. */
  keep?: number;
  /** Fraction of each image's visual tokens to keep. */
  ratio?: number;
  /** Method parameters (API names), checked against the method's specs. */
  params: MethodParams;
  /** Where pivot importance comes from. */
  importance: 'relevance' | 'cls';
  /** Token layout: the llava-1.5 adapter's, or a square grid. */
  layout: 'adapter' | 'grid';
  /** Tokens to generate at most (greedy). */
  maxNewTokens: number;
}

/** Keys of the JSON body (camelCase; kebab-case is accepted too). */
export const GENERATE_BODY_KEYS: readonly string[] = ['prompt', 'image', 'method', 'keep', 'ratio', 'params', 'noPrune', 'maxNewTokens', 'importance', 'layout'];

/** `maxNewTokens` when the request gives none (as `d2pruner generate`). */
export const DEFAULT_MAX_NEW_TOKENS = 32;

/** Largest `maxNewTokens` a request may ask for. */
export const MAX_NEW_TOKENS_LIMIT = 1024;

/**
 * Characters of prompt allowed per position of the model's context (`max_position_embeddings`):
 * a LLaMA-family token averages about 4 characters of text, so this leaves twice that room, while
 * a prompt of megabytes — tokenized on the event loop before the context check could refuse it,
 * about 1.6 s and 250 MB per MB of text — is refused unread.
 */
export const PROMPT_CHARS_PER_POSITION = 8;

/** Longest prompt, in characters (UTF-16 code units), for a model whose config gives no context length. */
export const DEFAULT_MAX_PROMPT_CHARS = 65536;

/** Options of {@link parseGenerateRequest} besides the body. */
export interface GenerateParseOptions {
  /** Longest prompt in characters (413 `PAYLOAD_TOO_LARGE prompt` beyond). Default {@link DEFAULT_MAX_PROMPT_CHARS}. */
  maxPromptChars?: number;
  /** The image already decoded from the body off the event loop (or the error its decoding gave), used instead of `image`. */
  image?: EncodedImage | Error;
}

/**
 * The longest prompt a model takes: {@link PROMPT_CHARS_PER_POSITION} characters per position of
 * its context, or {@link DEFAULT_MAX_PROMPT_CHARS} when its config gives no context length.
 */
export function maxPromptChars(maxPositions: number | undefined): number {
  return maxPositions === undefined ? DEFAULT_MAX_PROMPT_CHARS : PROMPT_CHARS_PER_POSITION * maxPositions;
}

/** 413 `PAYLOAD_TOO_LARGE prompt` when a prompt is longer than `max` characters. */
export function checkPromptLength(prompt: string, max: number): void {
  if (prompt.length > max) {
    throw new HttpError('PAYLOAD_TOO_LARGE', 'prompt', `"prompt" has more than ${max} characters, more than the model's context can hold (${PROMPT_CHARS_PER_POSITION} per position of max_position_embeddings)`);
  }
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && !(x instanceof Uint8Array) && typeof (x as { pipe?: unknown }).pipe !== 'function';
}

function choice<T extends string>(body: Record<string, unknown>, key: string, allowed: readonly T[]): T {
  const v = body[key];
  if (v === undefined || v === null) return allowed[0];
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) throw new InvalidArgumentError(key, `"${key}" must be ${allowed.map((a) => `'${a}'`).join(' or ')}, got ${quoteValue(v)}`);
  return v as T;
}

/** The body with kebab-case keys turned camelCase; unknown keys are typed errors naming them. */
function normalise(raw: Record<string, unknown>): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) {
    const key = camelCase(k);
    if (!GENERATE_BODY_KEYS.includes(key)) throw new InvalidArgumentError(k, `unknown field '${k}'; POST /v1/generate takes ${GENERATE_BODY_KEYS.join(', ')}`);
    if (key in body) throw new InvalidArgumentError(k, `"${key}" is given twice`);
    body[key] = v;
  }
  return body;
}

/**
 * Checks a `POST /v1/generate` body — `{prompt, image, method?, keep? | ratio?, params?,
 * noPrune?, maxNewTokens?, importance?, layout?}` — before any inference: a non-JSON body is 415,
 * a body that is not an object 400, and every bad field a 422 naming it (method and parameters
 * are checked against the registry; the image's format and size from its header).
 * `imageToken` is the processor's placeholder: a prompt may hold it at most once; a prompt over
 * `maxPromptChars` characters is 413 `PAYLOAD_TOO_LARGE prompt` (before it is tokenized).
 */
export function parseGenerateRequest(raw: unknown, imageToken = '<image>', options: GenerateParseOptions = {}): GenerateSpec {
  if (!isRecord(raw)) {
    if (raw instanceof Uint8Array || typeof raw === 'string' || typeof (raw as { pipe?: unknown } | null)?.pipe === 'function') {
      throw new HttpError('UNSUPPORTED_MEDIA_TYPE', 'content-type', 'POST /v1/generate takes application/json: {"prompt","image":"<base64 PNG/JPEG or data: URL>","keep":…}');
    }
    throw new HttpError('MALFORMED_BODY', 'body', 'the body must be a JSON object: {"prompt","image","keep"|"ratio"|"noPrune",…}');
  }
  const body = normalise(raw);
  const prompt = body.prompt;
  if (typeof prompt !== 'string' || prompt.trim() === '') throw new InvalidInputError('prompt', '"prompt" must be a non-empty string');
  checkPromptLength(prompt, options.maxPromptChars ?? DEFAULT_MAX_PROMPT_CHARS);
  if (prompt.split(imageToken).length > 2) throw new InvalidInputError('prompt', `"prompt" holds the image placeholder ${imageToken} more than once; one image is sent`);
  if (options.image instanceof Error) throw options.image;
  const image = options.image ?? imageFromRequest(body.image, 'image');

  const noPrune = body.noPrune ?? false;
  if (typeof noPrune !== 'boolean') throw new InvalidInputError('noPrune', '"noPrune" must be true or false');
  const has = (k: string) => body[k] !== undefined && body[k] !== null;
  if (noPrune && (has('keep') || has('ratio') || has('method') || has('params'))) {
    throw new InvalidArgumentError('noPrune', '"noPrune": true cannot be combined with method, keep, ratio or params');
  }
  const maxNewTokens = body.maxNewTokens ?? DEFAULT_MAX_NEW_TOKENS;
  if (typeof maxNewTokens !== 'number' || !Number.isInteger(maxNewTokens) || maxNewTokens < 1 || maxNewTokens > MAX_NEW_TOKENS_LIMIT) {
    throw new InvalidInputError('maxNewTokens', `"maxNewTokens" must be an integer in [1, ${MAX_NEW_TOKENS_LIMIT}], got ${quoteValue(maxNewTokens)}`);
  }
  const importance = choice(body, 'importance', ['relevance', 'cls'] as const);
  const layout = choice(body, 'layout', ['adapter', 'grid'] as const);
  const spec: GenerateSpec = { prompt, image, noPrune, method: null, params: {}, importance, layout, maxNewTokens };
  if (noPrune) return spec;

  const methodName = body.method ?? 'd2pruner';
  if (typeof methodName !== 'string') throw new InvalidInputError('method', '"method" must be a string');
  const method = getMethod(methodName);
  spec.method = method.name;
  if (has('keep') === has('ratio')) throw new InvalidArgumentError('keep', 'give exactly one of "keep" (visual tokens per image) or "ratio" (a fraction), or "noPrune": true');
  if (has('keep')) {
    const keep = body.keep;
    if (typeof keep !== 'number' || !Number.isInteger(keep) || keep < 1) throw new InvalidInputError('keep', `"keep" must be an integer ≥ 1, got ${quoteValue(keep)}`);
    spec.keep = keep;
  } else {
    const ratio = body.ratio;
    if (typeof ratio !== 'number' || !(ratio > 0 && ratio <= 1)) throw new InvalidInputError('ratio', `"ratio" must be a number in (0, 1], got ${quoteValue(ratio)}`);
    spec.ratio = ratio;
  }
  if (has('params')) {
    const params = body.params;
    if (!isRecord(params)) throw new InvalidInputError('params', '"params" must be an object of method parameters');
    resolveParams(method.name, method.params, params as MethodParams);
    spec.params = { ...(params as MethodParams) };
  }
  return spec;
}
