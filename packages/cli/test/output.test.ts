import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli } from './helpers.js';

const VEC = join(ROOT, 'fixtures/vectors/d2pruner');
const SAMPLE = join(ROOT, 'fixtures/samples/llava-sample.safetensors');
const tmp = mkdtempSync(join(tmpdir(), 'd2pruner-cli-output-'));

describe('what prune says it did', () => {
  it('--out names the file written on stderr, stdout keeps the selection', async () => {
    const out = join(tmp, 'kept.safetensors');
    const r = await runCli(['prune', join(VEC, 'grid6-7.safetensors'), '--keep', '5', '--out', out, '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).keep).toHaveLength(5);
    expect(r.err).toBe(`prune: wrote the 5 kept rows of ${join(VEC, 'grid6-7.safetensors')} (features [5, 16], keep, layout) → ${out}\n`);
  });

  it('every batch result line carries its input line, and the request id when given', async () => {
    const jsonl = join(tmp, 'ids.jsonl');
    const grid = join(VEC, 'grid6-7.safetensors');
    writeFileSync(jsonl, [JSON.stringify({ id: 'first', input: grid, keep: 3 }), '', JSON.stringify({ input: grid, keep: 4 }), JSON.stringify({ id: 7, input: grid, keep: 99, method: 'nope' })].join('\n'));
    const r = await runCli(['prune', '--batch', jsonl]);
    expect(r.code).toBe(0);
    const [a, b, c] = r.out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(Object.keys(a)[0]).toBe('id');
    expect(a).toMatchObject({ id: 'first', line: 1 });
    expect((a.keep as number[]).length).toBe(3);
    expect(b).toMatchObject({ line: 3 });
    expect(b.id).toBeUndefined();
    expect(c).toMatchObject({ id: 7, line: 4, error: { code: 'UNKNOWN_NAME' } });
  });
});

describe('a layout option against the file’s own layout', () => {
  it('--model/--image that contradict the file are refused naming the option; agreeing ones are fine', async () => {
    const next = await runCli(['prune', SAMPLE, '--model', 'llava-next-7b', '--image', '640x480', '--keep', '64']);
    expect(next.code).toBe(2);
    expect(next.err).toContain('[INVALID_ARGUMENT] model:');
    expect(next.err).toContain('carries its own layout (24×24, 576 tokens)');
    const same = await runCli(['prune', SAMPLE, '--model', 'llava-1.5-7b', '--image', '640x480', '--keep', '64', '--json']);
    expect(same.code, same.err).toBe(0);
    expect(JSON.parse(same.out).keep).toHaveLength(64);
  });

  it('--grid that contradicts the file is refused; the matching grid is fine', async () => {
    const grid = join(VEC, 'grid6-7.safetensors');
    const bad = await runCli(['prune', grid, '--grid', '4x9', '--keep', '5']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('[INVALID_ARGUMENT] grid:');
    expect((await runCli(['prune', grid, '--grid', '6x6', '--keep', '5'])).code).toBe(0);
  });
});
