import {
  defaultLayout,
  isD2PrunerError,
  readSafetensors,
  tokenCount,
  tokenInputFromSafetensors,
  validateTokenInput,
  type Layout,
  type TokenInput,
} from '@d2pruner/core';
import { unreachable, wasAborted } from './run.js';

/** A ground-truth object box from `d2pruner.objects`, in [0, 1] image coordinates. */
export interface ObjectBox {
  id: number;
  box: [number, number, number, number];
}

/** A loaded scene: the decoded tokens, their layout, and where they came from. */
export interface Scene {
  /** File or sample name. */
  name: string;
  /** The safetensors bytes (sent to the server for its run). */
  bytes: Uint8Array;
  /** The bundled sample this is, when it is one (the server prunes it by name). */
  sample?: string;
  input: TokenInput;
  n: number;
  /** Feature width (0 when the file has no features). */
  d: number;
  layout: Layout;
  objects: ObjectBox[];
}

/** A file that could not be turned into a scene; the message is meant for people. */
export class SceneError extends Error {
  /** @param file file name @param code error code @param field offending field @param detail explanation */
  constructor(
    readonly file: string,
    readonly code: string,
    readonly field: string,
    detail: string,
  ) {
    super(`Could not read ${file}: ${code}${field ? ` (${field})` : ''} — ${detail}`);
    this.name = 'SceneError';
  }
}

/** Parses `d2pruner.objects`, ignoring malformed entries (it is optional ground truth). */
export function parseObjects(metadata: Record<string, string> | undefined): ObjectBox[] {
  const raw = metadata?.['d2pruner.objects'];
  if (!raw) return [];
  try {
    const list = JSON.parse(raw) as unknown;
    if (!Array.isArray(list)) return [];
    return list.filter(
      (o): o is ObjectBox =>
        typeof o === 'object' && o !== null && Array.isArray((o as ObjectBox).box) && (o as ObjectBox).box.length === 4 && (o as ObjectBox).box.every((v) => typeof v === 'number'),
    );
  } catch {
    return [];
  }
}

/**
 * Decodes a token file (docs/formats.md §1) into a scene. Anything wrong — not safetensors, truncated,
 * shapes that disagree, no layout for a non-square N — becomes a {@link SceneError} naming the
 * file, the error code and the field.
 */
export function sceneFromBytes(name: string, bytes: Uint8Array, sample?: string): Scene {
  try {
    const input = tokenInputFromSafetensors(readSafetensors(bytes));
    const n = validateTokenInput(input);
    const layout = input.layout ?? defaultLayout(n);
    return { name, bytes, ...(sample ? { sample } : {}), input, n: tokenCount(input), d: input.features?.cols ?? 0, layout, objects: parseObjects(input.metadata) };
  } catch (e) {
    if (isD2PrunerError(e)) throw new SceneError(name, e.code, e.field, e.message);
    throw new SceneError(name, 'INTERNAL', '', e instanceof Error ? e.message : String(e));
  }
}

/**
 * Largest token file the page reads: the server's default request body limit (`--max-body-bytes`,
 * 64 MiB), which a dropped file is uploaded under for the server's run. Checked against the file's
 * size before a byte of it is read.
 */
export const MAX_FILE_BYTES = 64 * 1024 * 1024;

/** Throws a {@link SceneError} `PAYLOAD_TOO_LARGE` (field `size`) for a file above {@link MAX_FILE_BYTES}. */
export function checkFileSize(name: string, size: number): void {
  if (size > MAX_FILE_BYTES) {
    throw new SceneError(name, 'PAYLOAD_TOO_LARGE', 'size', `the file has ${size} bytes; at most ${MAX_FILE_BYTES} (64 MiB, the server's default --max-body-bytes)`);
  }
}

/** A sample as the server's `GET /v1/samples` lists it. */
export interface SampleInfo {
  name: string;
  url: string;
  bytes: number;
  n: number;
  d: number;
}

/** `fetchFn(url, init)`, with a failure to reach the server as a {@link SceneError} `BACKEND_UNAVAILABLE` (field `server`) naming `what`; an abort passes through. */
async function fetchOrUnreachable(what: string, fetchFn: typeof fetch, url: string, init?: RequestInit): Promise<Response> {
  try {
    return await fetchFn(url, init);
  } catch (e) {
    if (wasAborted(e, init?.signal)) throw e;
    const info = unreachable(`GET ${url.slice(1)}`, e);
    throw new SceneError(what, info.code, info.field, info.message);
  }
}

/** The bundled samples the server offers. */
export async function fetchSampleList(fetchFn: typeof fetch = fetch): Promise<SampleInfo[]> {
  const res = await fetchOrUnreachable('the sample list', fetchFn, './v1/samples');
  if (!res.ok) throw new SceneError('the sample list', `HTTP ${res.status}`, '', await res.text());
  return (await res.json()) as SampleInfo[];
}

/** Downloads a bundled sample from the server and decodes it; `signal` aborts the download. */
export async function fetchSample(info: Pick<SampleInfo, 'name' | 'url'>, fetchFn: typeof fetch = fetch, signal?: AbortSignal): Promise<Scene> {
  const res = await fetchOrUnreachable(`${info.name}.safetensors`, fetchFn, `.${info.url}`, { signal });
  if (!res.ok) throw new SceneError(`${info.name}.safetensors`, `HTTP ${res.status}`, '', await res.text());
  return sceneFromBytes(`${info.name}.safetensors`, new Uint8Array(await res.arrayBuffer()), info.name);
}
