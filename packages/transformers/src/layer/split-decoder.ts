import { readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { InvalidArgumentError, InvalidInputError, MissingTensorError } from '@d2pruner/core';
import { SPLIT_NAMES, pastOf, presentOf, type SplitConfig } from '../split/names.js';
import type { SessionLike } from '../types.js';
import { checkCacheShape, checkSplitSizes } from './split-config.js';

/** An onnxruntime `InferenceSession` class (static `create`). */
export interface SessionFactory {
  /** Creates a session from a file. */
  create(
    path: string,
    options?: Record<string, unknown>,
  ): Promise<
    SessionLike & {
      /** Frees the session's native resources. */
      release?(): Promise<void>;
    }
  >;
}

/** A loaded split decoder pair. */
export interface SplitDecoder {
  /** K. */
  layer: number;
  /** L. */
  layers: number;
  /** `split.json`. */
  config: SplitConfig;
  /** The directory it was loaded from. */
  dir: string;
  /** Layers 0…K−1. */
  partA: SessionLike;
  /** Layers K…L−1. */
  partB: SessionLike;
  /** Cache layers of part A (0…K−1) and part B (K…L−1), from the sessions' inputs. */
  cacheLayers: { a: number[]; b: number[] };
  /** Releases both sessions. */
  release(): Promise<void>;
}

/**
 * The onnxruntime `InferenceSession` class behind a session transformers.js created, so split
 * parts run on the very same runtime (and package copy) as the rest of the model.
 */
export function sessionFactoryOf(session: SessionLike): SessionFactory {
  const ctor = Object.getPrototypeOf(session)?.constructor as Partial<SessionFactory> | undefined;
  if (!ctor || typeof ctor.create !== 'function') throw new InvalidArgumentError('model', 'the model sessions are not onnxruntime InferenceSessions; cannot create the split decoder sessions');
  return ctor as SessionFactory;
}

function cacheLayers(session: SessionLike): number[] {
  return [...new Set(session.inputNames.map((n) => pastOf(n)?.[0]).filter((l): l is number => l !== undefined))].sort((a, b) => a - b);
}

function expect(session: SessionLike, part: string, inputs: string[], outputs: string[]): void {
  for (const n of inputs) if (!session.inputNames.includes(n)) throw new MissingTensorError(n, `split decoder ${part} (inputs: ${session.inputNames.join(', ')})`);
  for (const n of outputs) if (!session.outputNames.includes(n)) throw new MissingTensorError(n, `split decoder ${part} (outputs: ${session.outputNames.join(', ')})`);
}

/**
 * Loads the split decoder pair for layer K from `dir` (`split.json`, `part_a.onnx`,
 * `part_b.onnx`, as `d2pruner split-decoder` or the tiny-model generator write them) with the
 * given session class. Typed errors: a missing directory or `split.json` (INVALID_INPUT `split`,
 * saying how to make one), a malformed `split.json` (not an object, wrong `format`, `partA` /
 * `partB` not non-empty strings: INVALID_INPUT `split`), a pair cut at another layer
 * (INVALID_ARGUMENT `layer`), sizes that are not positive integers or disagree with the parts'
 * cache shapes (INVALID_INPUT `split`), a part ONNX Runtime cannot load (INVALID_INPUT `split`),
 * parts without the expected inputs / outputs (MISSING_TENSOR naming them). Sessions created
 * before a failure are released.
 */
export async function loadSplitDecoder(dir: string, layer: number, factory: SessionFactory, sessionOptions: Record<string, unknown> = {}): Promise<SplitDecoder> {
  const abs = resolve(dir);
  let config: SplitConfig;
  try {
    config = JSON.parse(await readFile(join(abs, 'split.json'), 'utf8')) as SplitConfig;
  } catch {
    throw new InvalidInputError('split', `no split decoder in '${dir}' (split.json missing); make one with: d2pruner split-decoder MODEL_DIR --layer ${layer} --out ${dir}`);
  }
  if (typeof config !== 'object' || config === null || Array.isArray(config) || config.format !== 'd2pruner-split-decoder') throw new InvalidInputError('split', `'${dir}/split.json' is not a d2pruner split decoder description`);
  if (config.layer !== layer) throw new InvalidArgumentError('layer', `the split decoder in '${dir}' is cut before layer ${config.layer}, not ${layer}`);
  for (const part of ['partA', 'partB'] as const) {
    const name: unknown = config[part];
    if (typeof name !== 'string' || name === '') throw new InvalidInputError('split', `'${dir}/split.json' has no ${part} file name (got ${name === '' ? 'an empty string' : typeof name})`);
  }
  checkSplitSizes(config, `${dir}/split.json`);
  const paths = [join(abs, config.partA), join(abs, config.partB)];
  for (const p of paths) {
    if (!(await stat(p).then((s) => s.isFile(), () => false))) throw new InvalidInputError('split', `split decoder file ${p} is missing`);
  }
  const sessions: Session[] = [];
  try {
    for (const p of paths) sessions.push(await createPart(factory, p, sessionOptions));
    return checkedPair(dir, abs, layer, config, sessions[0], sessions[1]);
  } catch (e) {
    // a part that failed to load or does not fit: free what was created
    for (const s of sessions) await s.release?.().catch(() => undefined);
    throw e;
  }
}

type Session = SessionLike & { release?(): Promise<void> };

async function createPart(factory: SessionFactory, path: string, options: Record<string, unknown>): Promise<Session> {
  try {
    return await factory.create(path, options);
  } catch (e) {
    throw new InvalidInputError('split', `cannot load split decoder file ${path}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function checkedPair(dir: string, abs: string, layer: number, config: SplitConfig, partA: Session, partB: Session): SplitDecoder {
  expect(partA, 'part A', ['inputs_embeds', 'attention_mask', 'position_ids'], [SPLIT_NAMES.hidden, SPLIT_NAMES.lastAttention, `present.${layer - 1}.key`]);
  expect(partB, 'part B', [SPLIT_NAMES.hidden, 'attention_mask', 'position_ids'], ['logits']);
  const a = cacheLayers(partA);
  const b = cacheLayers(partB);
  if (a.length !== layer || a.some((l) => l >= layer) || b.some((l) => l < layer)) {
    throw new InvalidInputError('split', `split decoder caches do not match layer ${layer}: part A has layers ${a.join(',')}, part B ${b.join(',')}`);
  }
  for (const l of b) if (!partB.outputNames.some((o) => presentOf(o)?.[0] === l)) throw new MissingTensorError(`present.${l}.key`, 'split decoder part B');
  checkCacheShape(config, partA, 'part A', `${dir}/split.json`);
  checkCacheShape(config, partB, 'part B', `${dir}/split.json`);
  return {
    layer,
    layers: config.layers,
    config,
    dir: abs,
    partA,
    partB,
    cacheLayers: { a, b },
    async release() {
      for (const s of [partA, partB]) await s.release?.();
    },
  };
}
