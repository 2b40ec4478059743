import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSplitDecoder, type SessionFactory } from '../src/index.js';
import { caught } from './helpers.js';

describe('loadSplitDecoder: a malformed split.json is INVALID_INPUT split', () => {
  const bodies = [
    'null',
    '[]',
    '42',
    '"x"',
    '{"format":"d2pruner-split-decoder","layer":2}',
    '{"format":"d2pruner-split-decoder","layer":2,"partB":"part_b.onnx"}',
    '{"format":"d2pruner-split-decoder","layer":2,"partA":5,"partB":"part_b.onnx"}',
    '{"format":"d2pruner-split-decoder","layer":2,"partA":"part_a.onnx","partB":null}',
    '{"format":"d2pruner-split-decoder","layer":2,"partA":"part_a.onnx","partB":["b"]}',
    '{"format":"d2pruner-split-decoder","layer":2,"partA":"","partB":"part_b.onnx"}',
  ];
  for (const body of bodies) {
    it(body, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'd2pruner-split-config-'));
      writeFileSync(join(dir, 'split.json'), body);
      for (const f of ['part_a.onnx', 'part_b.onnx', '5']) writeFileSync(join(dir, f), '');
      let created = 0;
      const factory: SessionFactory = {
        create() {
          created++;
          return Promise.resolve({ inputNames: [], outputNames: [], run: () => Promise.resolve({}) } as never);
        },
      };
      expect(await caught(() => loadSplitDecoder(dir, 2, factory))).toMatchObject({ code: 'INVALID_INPUT', field: 'split' });
      expect(created).toBe(0);
    });
  }
});
