import { copyFile, link, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { InvalidArgumentError, InvalidInputError } from '@d2pruner/core';
import onnxProto, { type onnx } from 'onnx-proto';
import { UnsplittableGraphError } from './errors.js';
import type { SplitConfig } from './names.js';
import { splitDecoderGraph, type SplitPoints } from './surgery.js';

/** Options of {@link splitDecoderFiles}. */
export interface SplitFilesOptions {
  /** K. */
  layer: number;
  /** Output directory; default `MODEL_DIR/split-k{K}` (where generation looks by default). */
  out?: string;
  /** The merged decoder, relative to the model directory; default `onnx/decoder_model_merged.onnx`. */
  source?: string;
}

/** What {@link splitDecoderFiles} wrote. */
export interface SplitFilesResult {
  /** The output directory. */
  dir: string;
  /** `split.json`. */
  config: SplitConfig;
  /** What was cut. */
  points: SplitPoints;
  /** Files written or linked (paths relative to `dir`) and their sizes. */
  files: Record<string, number>;
}

/** Default split directory of a model for layer K. */
export function defaultSplitDir(modelDir: string, layer: number): string {
  return join(modelDir, `split-k${layer}`);
}

function externalFiles(model: onnx.IModelProto): Set<string> {
  const out = new Set<string>();
  for (const t of model.graph?.initializer ?? []) {
    if (t.dataLocation !== 1) continue;
    const loc = (t.externalData ?? []).find((e) => e.key === 'location')?.value;
    if (loc) out.add(loc);
  }
  return out;
}

/**
 * The external-data files of the parts, checked before anything is written: each location must
 * be relative, stay inside the merged decoder's folder and name an existing file
 * (UnsplittableGraphError `external-data` otherwise — ONNX Runtime would not load it, and linking it
 * would write outside the output directory).
 */
async function checkedExternalFiles(source: string, sourceDir: string, names: Iterable<string>): Promise<string[]> {
  const out: string[] = [];
  for (const name of new Set(names)) {
    const from = resolve(sourceDir, name);
    const rel = relative(sourceDir, from);
    if (isAbsolute(name) || rel === '' || rel.startsWith('..') || isAbsolute(rel)) {
      throw new UnsplittableGraphError('external-data', `${source} keeps weights in '${name}', outside its folder; external data must be a relative path inside it`);
    }
    if (!(await stat(from).then((s) => s.isFile(), () => false))) throw new UnsplittableGraphError('external-data', `${source} keeps weights in '${name}', which does not exist next to it`);
    out.push(name);
  }
  return out;
}

async function textDims(modelDir: string): Promise<Partial<SplitConfig>> {
  try {
    const config = JSON.parse(await readFile(join(modelDir, 'config.json'), 'utf8')) as Record<string, unknown>;
    const t = (config.text_config ?? config) as Record<string, unknown>;
    const num = (k: string) => (typeof t[k] === 'number' ? (t[k] as number) : undefined);
    const hidden = num('hidden_size');
    const heads = num('num_attention_heads');
    return { hidden, heads, kvHeads: num('num_key_value_heads') ?? heads, headDim: num('head_dim') ?? (hidden && heads ? hidden / heads : undefined) };
  } catch {
    return {};
  }
}

/**
 * `d2pruner split-decoder`: reads a model directory's merged decoder, cuts it before layer K
 * ({@link splitDecoderGraph}) and writes `part_a.onnx`, `part_b.onnx` and `split.json` into
 * the output directory. Initializers stored as external data keep their file names; those
 * files are hard-linked (copied across devices) next to the parts. External data that is missing
 * or lies outside the decoder's folder is refused (`external-data`) before anything is written.
 */
export async function splitDecoderFiles(modelDir: string, options: SplitFilesOptions): Promise<SplitFilesResult> {
  if (typeof modelDir !== 'string') throw new InvalidArgumentError('model', 'the model directory must be a path');
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('options', 'splitDecoderFiles needs options ({ layer })');
  const source = options.source ?? 'onnx/decoder_model_merged.onnx';
  const path = resolve(modelDir, source);
  const isFile = await stat(path).then((s) => s.isFile(), () => false);
  if (!isFile) throw new InvalidInputError('model', `'${modelDir}' has no ${source}`);
  let model: onnx.ModelProto;
  try {
    model = onnxProto.onnx.ModelProto.decode(await readFile(path));
  } catch (e) {
    throw new UnsplittableGraphError('inputs', `${source} is not a readable ONNX model: ${e instanceof Error ? e.message : String(e)}`);
  }
  const { partA, partB, points } = splitDecoderGraph(model, options.layer);
  const external = await checkedExternalFiles(source, dirname(path), [...externalFiles(partA), ...externalFiles(partB)]);
  const dir = resolve(options.out ?? defaultSplitDir(modelDir, options.layer));
  await mkdir(dir, { recursive: true });
  const files: Record<string, number> = {};
  const put = async (name: string, data: Uint8Array | string) => {
    await writeFile(join(dir, name), data);
    files[name] = typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength;
  };
  await put('part_a.onnx', onnxProto.onnx.ModelProto.encode(partA).finish());
  await put('part_b.onnx', onnxProto.onnx.ModelProto.encode(partB).finish());
  for (const name of external) {
    const from = resolve(dirname(path), name);
    const to = join(dir, name);
    if (from === to) continue;
    await mkdir(dirname(to), { recursive: true });
    const exists = await stat(to).then(() => true, () => false);
    if (!exists) await link(from, to).catch(() => copyFile(from, to));
    files[name] = (await stat(to)).size;
  }
  const config: SplitConfig = {
    format: 'd2pruner-split-decoder',
    version: 1,
    layer: points.layer,
    layers: points.layers,
    ...(await textDims(modelDir)),
    source,
    partA: 'part_a.onnx',
    partB: 'part_b.onnx',
    attention: 'probabilities',
  };
  await put('split.json', JSON.stringify(config, null, 2) + '\n');
  return { dir, config, points, files };
}
