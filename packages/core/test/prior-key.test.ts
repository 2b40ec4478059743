import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adapterRegistry, checkPriorKey, modelNames, priorKeyFromMetadata, readSafetensors, tokenInputFromSafetensors, validateTokenInput, writeSafetensors, type ModelAdapter } from '../src/index.js';
import { errorOf } from './typed-error.js';

// docs/algorithm.md §6: a prior is keyed by (model, layer, layout signature); docs/formats.md §1:
// token files may carry `d2pruner.model` and `d2pruner.layer`.

const TOY = { name: 'toy-1b', id: 'toy-1b', aliases: ['Toy/One-B'] } as unknown as ModelAdapter;
beforeAll(() => adapterRegistry.register(TOY));
afterAll(() => void adapterRegistry.unregister(TOY.name));

/** A 4-token file with these metadata. */
function decoded(metadata: Record<string, string>) {
  return tokenInputFromSafetensors(readSafetensors(writeSafetensors({ attention: { shape: [4], data: new Float32Array([1, 2, 3, 4]) } }, metadata)));
}

describe('token files: d2pruner.layer is decoded into the input', () => {
  it('an integer layer becomes input.layer, next to input.model', () => {
    expect(decoded({ 'd2pruner.model': 'toy-1b', 'd2pruner.layer': '2' })).toMatchObject({ model: 'toy-1b', layer: 2 });
    expect(decoded({ 'd2pruner.layer': '0' }).layer).toBe(0);
  });

  it('an absent or empty layer records none', () => {
    expect('layer' in decoded({})).toBe(false);
    expect('layer' in decoded({ 'd2pruner.layer': '' })).toBe(false);
  });

  it('a token file whose layer is not an integer ≥ 0 stays readable, its layer not recorded; a layer given in the API must be one', () => {
    for (const bad of ['-1', '-2', '1.5', 'two', ' 2']) expect(decoded({ 'd2pruner.layer': bad }).layer, bad).toBeUndefined();
    expect(errorOf(() => validateTokenInput({ attention: new Float32Array(4), layer: -1 }))).toMatchObject({ code: 'INVALID_INPUT', field: 'layer' });
  });
});

describe('checkPriorKey: the prior and the input must agree on what both record', () => {
  it('another model is INVALID_INPUT naming prior, the message naming the model', () => {
    const e = errorOf(() => checkPriorKey({ model: 'toy-1b', layer: 2 }, { model: 'other-model', layer: 2 }));
    expect(e).toMatchObject({ code: 'INVALID_INPUT', field: 'prior' });
    expect(e.message).toMatch(/model/);
    expect(e.message).toContain('other-model');
  });

  it('another layer is INVALID_INPUT naming prior, the message naming the layer', () => {
    const e = errorOf(() => checkPriorKey({ model: 'toy-1b', layer: 2 }, { model: 'toy-1b', layer: 3 }));
    expect(e).toMatchObject({ code: 'INVALID_INPUT', field: 'prior' });
    expect(e.message).toMatch(/layer/);
    expect(e.message).not.toMatch(/model/);
  });

  it('models compare through the adapter registry (aliases, case), else as lower-cased text', () => {
    expect(() => checkPriorKey({ model: 'toy-1b' }, { model: 'TOY/one-b' })).not.toThrow();
    expect(() => checkPriorKey({ model: 'Toy/One-B' }, { model: 'TOY-1B' })).not.toThrow();
    expect(() => checkPriorKey({ model: 'Unregistered-X' }, { model: 'unregistered-x' })).not.toThrow();
    // the names a worker is given match without the registry
    expect(modelNames('TOY-1B')).toEqual(['toy-1b', 'toy/one-b']);
    expect(() => checkPriorKey({ model: 'toy-1b', modelNames: ['toy-1b', 'toy/one-b'] }, { model: 'Toy/One-B' })).not.toThrow();
    expect(errorOf(() => checkPriorKey({ model: 'toy-1b', modelNames: ['toy-1b', 'toy/one-b'] }, { model: 'toy-2b' }))).toMatchObject({ field: 'prior' });
  });

  it('a part either side does not record is not checked', () => {
    expect(() => checkPriorKey({}, { model: 'a', layer: 1 })).not.toThrow();
    expect(() => checkPriorKey({ model: 'a', layer: 1 }, {})).not.toThrow();
    expect(() => checkPriorKey({ layer: 1 }, { model: 'b', layer: 1 })).not.toThrow();
  });
});

describe('priorKeyFromMetadata: what a prior file records', () => {
  it('model, layer and layout signature', () => {
    expect(priorKeyFromMetadata({ 'd2pruner.model': 'toy-1b', 'd2pruner.layer': '2', 'd2pruner.layoutSignature': '2x2:n4:x', 'd2pruner.samples': '3' })).toEqual({ model: 'toy-1b', layer: 2, layoutSignature: '2x2:n4:x' });
  });

  it("calibrate's placeholders for nothing recorded (model 'unknown', layer '') record nothing", () => {
    expect(priorKeyFromMetadata({ 'd2pruner.model': 'unknown', 'd2pruner.layer': '', 'd2pruner.layoutSignature': '' })).toEqual({});
  });

  it('a malformed layer is INVALID_INPUT naming prior', () => {
    expect(errorOf(() => priorKeyFromMetadata({ 'd2pruner.layer': 'x' }))).toMatchObject({ code: 'INVALID_INPUT', field: 'prior' });
  });
});

describe('checkPriorKey quotes what the files record, cut short', () => {
  it('a megabyte-long model name is quoted in at most a few hundred characters, with its length', () => {
    const long = 'm'.repeat(1_000_000);
    const e = errorOf(() => checkPriorKey({ model: long }, { model: 'other-model' }));
    expect(e).toMatchObject({ code: 'INVALID_INPUT', field: 'prior' });
    expect(e.message.length).toBeLessThan(600);
    expect(e.message).toContain('(1000002 characters)');
    expect(e.message).toContain('"other-model"');
  });
});
