import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeTinyModel } from '@d2pruner-tools/tiny-model';
import onnxProto from 'onnx-proto';
import { beforeAll, describe, expect, it } from 'vitest';
import { splitDecoderFiles, type UnsplittableGraphError } from '../src/index.js';
import { caught } from './helpers.js';

let root: string;
let merged: Uint8Array;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'd2pruner-split-external-'));
  await writeTinyModel(join(root, 'tiny'), { seed: 4, hidden: 32, heads: 4, layers: 3 });
  merged = readFileSync(join(root, 'tiny', 'onnx/decoder_model_merged.onnx'));
});

/** A model directory whose merged decoder keeps one layer-2 weight as external data at `location` (the file written unless `write` is false). */
function modelWithExternal(name: string, location: string, write = true): string {
  const dir = join(root, name, 'model');
  const onnxDir = join(dir, 'onnx');
  const m = onnxProto.onnx.ModelProto.decode(merged);
  const t = (m.graph?.initializer ?? []).find((x) => x.name === 'decoder.layers.2.mlp.down_proj.weight');
  if (!t?.rawData) throw new Error('fixture: no layer-2 weight');
  const data = Buffer.from(t.rawData);
  t.rawData = new Uint8Array(0);
  t.dataLocation = 1;
  t.externalData = [
    { key: 'location', value: location },
    { key: 'offset', value: '0' },
    { key: 'length', value: String(data.length) },
  ];
  mkdirSync(onnxDir, { recursive: true });
  writeFileSync(join(onnxDir, 'decoder_model_merged.onnx'), onnxProto.onnx.ModelProto.encode(m).finish());
  if (write) writeFileSync(location.startsWith('/') ? location : join(onnxDir, location), data);
  return dir;
}

describe('splitDecoderFiles: external-data weights', () => {
  it('a relative external file next to the decoder is linked next to the parts', async () => {
    const dir = modelWithExternal('ok', 'weights.bin');
    const r = await splitDecoderFiles(dir, { layer: 1 });
    expect(Object.keys(r.files).sort()).toEqual(['part_a.onnx', 'part_b.onnx', 'split.json', 'weights.bin']);
    expect(readFileSync(join(r.dir, 'weights.bin')).equals(readFileSync(join(dir, 'onnx/weights.bin')))).toBe(true);
  });

  it.each([
    ['missing', 'gone.bin', false],
    ['outside the folder', '../../outside.bin', true],
    ['absolute', '', true],
  ])('an external file that is %s is refused (external-data) before anything is written', async (name, location, write) => {
    const loc = name === 'absolute' ? join(root, 'absolute-weights.bin') : location;
    const dir = modelWithExternal(name.replace(/\W/g, ''), loc, write);
    const out = join(root, `${name.replace(/\W/g, '')}-out`, 'a', 'b');
    const e = (await caught(() => splitDecoderFiles(dir, { layer: 1, out }))) as UnsplittableGraphError;
    expect(e).toMatchObject({ code: 'INVALID_INPUT', field: 'model', reason: 'external-data' });
    expect(existsSync(out)).toBe(false);
  });

  it('options that are not an object are INVALID_ARGUMENT options', async () => {
    expect(await caught(() => splitDecoderFiles(join(root, 'tiny'), undefined as never))).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'options' });
  });
});
