import { expect } from 'vitest';
import { D2PrunerError } from '../src/index.js';

/** The typed error `fn` throws; fails the test when it returns, or throws anything but a D2PrunerError. */
export function errorOf(fn: () => unknown): D2PrunerError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(D2PrunerError);
    return e as D2PrunerError;
  }
  throw new Error('expected a typed error, nothing was thrown');
}
