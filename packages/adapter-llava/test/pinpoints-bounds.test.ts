import { InvalidInputError } from '@d2pruner/core';
import { describe, expect, it } from 'vitest';
import { MAX_PINPOINT_TILES, llavaNext7b, parsePinpoints } from '../src/index.js';

const image = { width: 640, height: 480 };

describe('pinpoints are bounded before any layout work', () => {
  it('the cap is 12 crops of 336 px per side', () => {
    expect(MAX_PINPOINT_TILES).toBe(12);
  });

  it('oversized pinpoints throw INVALID_INPUT naming pinpoints, quickly', () => {
    const t0 = Date.now();
    // 4368 = 13·336 is the first side over the cap
    for (const pp of ['4368x336', '336x4368', '33600x33600', '336000x336000', '336x672,99999999999999999999999x336']) {
      expect(() => llavaNext7b.layout(image, { pinpoints: pp }), pp).toThrow(InvalidInputError);
      expect(() => llavaNext7b.layout(image, { pinpoints: pp }), pp).toThrow(expect.objectContaining({ code: 'INVALID_INPUT', field: 'pinpoints' }));
      expect(() => parsePinpoints(pp), pp).toThrow(expect.objectContaining({ field: 'pinpoints' }));
    }
    expect(Date.now() - t0).toBeLessThan(1000);
  });

  it('every entry must be a multiple of 336, even one that would not be selected', () => {
    for (const pp of ['336x672,100x336', '0x336', '1x1', '335x336']) {
      expect(() => parsePinpoints(pp), pp).toThrow(expect.objectContaining({ field: 'pinpoints' }));
    }
    expect(() => parsePinpoints(42 as unknown as string)).toThrow(expect.objectContaining({ field: 'pinpoints' }));
  });

  it('the largest allowed pinpoint still lays out: 4032×4032 for a 640×480 image', () => {
    const l = llavaNext7b.layout(image, { pinpoints: '4032x4032' });
    // 12×12 crops → a 288×288 feature map; the 4:3 image fills 288 columns and int(480·288/640) = 216
    // rows (pad 36 top and bottom); tokens = 576 base + 216·288 cells + 216 newlines
    expect(l.details).toMatchObject({ gridRows: 12, gridCols: 12, rowsKept: 216, colsKept: 288, unpadTop: 36 });
    expect(l.tokens).toBe(576 + 216 * 288 + 216);
    expect(l.encoderPasses).toHaveLength(1 + 144);
    expect(parsePinpoints(' 336 x 4032 ,4032X336', 'hw')).toEqual([
      { width: 4032, height: 336 },
      { width: 336, height: 4032 },
    ]);
  });
});
