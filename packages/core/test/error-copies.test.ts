import { describe, expect, it, vi } from 'vitest';

type Errors = typeof import('../src/errors.js');

/** A fresh copy of the errors module, as a second copy of the package in the same process would be. */
async function freshCopy(): Promise<Errors> {
  vi.resetModules();
  return (await import('../src/errors.js')) as Errors;
}

describe('typed errors across copies of @d2pruner/core in one process', () => {
  it('isD2PrunerError knows an error thrown by another copy (instanceof does not); toErrorJson keeps its code and field', async () => {
    const a = await freshCopy();
    const b = await freshCopy();
    expect(a.D2PrunerError).not.toBe(b.D2PrunerError);
    const foreign = new b.BackendUnavailableError('backend', 'no adapter');
    expect(foreign instanceof a.D2PrunerError).toBe(false);
    expect(a.isD2PrunerError(foreign)).toBe(true);
    expect(a.toErrorJson(foreign)).toEqual({ code: 'BACKEND_UNAVAILABLE', field: 'backend', message: 'no adapter' });
  });

  it('the mark is not a field: JSON, keys and equality are as before; look-alikes without it are not typed errors', async () => {
    const a = await freshCopy();
    const e = new a.InvalidInputError('attention', 'bad');
    expect(Object.keys(e).sort()).toEqual(['code', 'field', 'name']);
    expect(Object.getOwnPropertySymbols(e).every((s) => !Object.getOwnPropertyDescriptor(e, s)?.enumerable)).toBe(true);
    expect(JSON.stringify(e)).toBe('{"code":"INVALID_INPUT","field":"attention","message":"bad"}');
    const lookalike = Object.assign(new Error('x'), { code: 'INVALID_INPUT', field: 'f', toJSON: () => ({}) });
    expect(a.isD2PrunerError(lookalike)).toBe(false);
    expect(a.toErrorJson(lookalike)).toMatchObject({ code: 'INTERNAL' });
    // the mark alone, without the shape, is not enough either
    const marked = { [Symbol.for('@d2pruner/core:D2PrunerError')]: true, code: 1, field: 'f', message: 'm', toJSON() {} };
    expect(a.isD2PrunerError(marked)).toBe(false);
  });
});
