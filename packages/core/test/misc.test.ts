import { describe, expect, it } from 'vitest';
import { Registry, defaultLayout, layoutSignature, gridLayout, parseLayout, resolveBudget, resolveParams, toErrorJson, InvalidInputError } from '../src/index.js';

describe('layout', () => {
  it('grid layouts are raster order', () => {
    const l = gridLayout(2, 3);
    expect(Array.from(l.row)).toEqual([0, 0, 0, 1, 1, 1]);
    expect(Array.from(l.col)).toEqual([0, 1, 2, 0, 1, 2]);
  });
  it('default layout needs a perfect square', () => {
    expect(defaultLayout(576).frames).toEqual([{ rows: 24, cols: 24 }]);
    expect(() => defaultLayout(10)).toThrow(InvalidInputError);
  });
  it('parse errors name the field', () => {
    expect(() => parseLayout('{')).toThrow(expect.objectContaining({ field: 'layout' }));
    expect(() => parseLayout({ frames: [], frame: [], row: [], col: [] })).toThrow(expect.objectContaining({ field: 'layout.frames' }));
    expect(() => parseLayout({ frames: [{ rows: 1, cols: 1 }], frame: [0], row: [0.5], col: [0] })).toThrow(expect.objectContaining({ field: 'layout.row' }));
    expect(() => parseLayout({ frames: [{ rows: 1, cols: 1 }], frame: [1], row: [0], col: [0] })).toThrow(expect.objectContaining({ field: 'layout.frame' }));
  });
  it('signatures differ when coordinates differ', () => {
    const a = gridLayout(4, 6);
    const b = gridLayout(6, 4);
    expect(layoutSignature(a)).not.toBe(layoutSignature(b));
    expect(layoutSignature(a)).toBe(layoutSignature(gridLayout(4, 6)));
  });
});

describe('budget', () => {
  it('keep or ratio, exactly one', () => {
    expect(resolveBudget({ keep: 64 }, 576)).toBe(64);
    expect(resolveBudget({ ratio: 0.25 }, 576)).toBe(144);
    expect(() => resolveBudget({}, 576)).toThrow(expect.objectContaining({ field: 'keep' }));
    expect(() => resolveBudget({ keep: 1, ratio: 0.5 }, 576)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => resolveBudget({ ratio: 1.5 }, 576)).toThrow(expect.objectContaining({ field: 'ratio' }));
    expect(() => resolveBudget({ keep: -3 }, 576)).toThrow(expect.objectContaining({ field: 'keep' }));
  });
});

describe('registry and params', () => {
  it('finds by name or alias, refuses silent shadowing', () => {
    const r = new Registry<{ name: string; aliases?: string[] }>('method');
    r.register({ name: 'uniform', aliases: ['window'] });
    expect(r.get('WINDOW').name).toBe('uniform');
    expect(() => r.register({ name: 'uniform' })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => r.get('nope')).toThrow(expect.objectContaining({ code: 'UNKNOWN_NAME', field: 'method' }));
  });
  it('resolveParams fills defaults and checks types', () => {
    const specs = [{ name: 'k', type: 'integer' as const, default: 4, min: 0, description: '' }];
    expect(resolveParams('m', specs, {})).toEqual({ k: 4 });
    expect(() => resolveParams('m', specs, { k: 1.5 })).toThrow(expect.objectContaining({ field: 'k' }));
    expect(() => resolveParams('m', specs, { q: 1 })).toThrow(expect.objectContaining({ field: 'q', code: 'INVALID_ARGUMENT' }));
  });
  it('untyped errors become INTERNAL JSON', () => {
    expect(toErrorJson(new Error('boom'))).toEqual({ code: 'INTERNAL', field: '', message: 'boom' });
    expect(toErrorJson(new InvalidInputError('alpha', 'bad'))).toEqual({ code: 'INVALID_INPUT', field: 'alpha', message: 'bad' });
  });
});
