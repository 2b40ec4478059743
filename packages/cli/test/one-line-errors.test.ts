import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeSafetensors } from '@d2pruner/core';
import { runCli } from './helpers.js';

// docs/formats.md §3.4: an error is one line on stderr, also when its message quotes a value read
// from a file (a token file's d2pruner.model holding a line break or a terminal escape, or
// megabytes long).

const tmp = mkdtempSync(join(tmpdir(), 'd2pruner-one-line-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function tokenFile(name: string, metadata: Record<string, string>): string {
  const f = join(tmp, name);
  const attention = Float32Array.from({ length: 16 }, (_, i) => 1 + i / 16);
  const features = Float32Array.from({ length: 64 }, (_, i) => Math.sin(i));
  writeFileSync(f, writeSafetensors({ attention: { shape: [16], data: attention }, features: { shape: [16, 4], data: features } }, metadata));
  return f;
}

const PRIOR = join(tmp, 'prior.safetensors');
writeFileSync(PRIOR, writeSafetensors({ prior: { shape: [16], data: new Float32Array(16).fill(1) } }, { 'd2pruner.model': 'llava-1.5-7b' }));
const EVIL = tokenFile('evil.safetensors', { 'd2pruner.model': 'evil\nsecond line\r\u001b[31mred' });
const GOOD = tokenFile('good.safetensors', { 'd2pruner.model': 'llava-1.5-7b' });
const HUGE = tokenFile('huge.safetensors', { 'd2pruner.model': 'm'.repeat(1_000_000) });

describe('stderr stays one line whatever a file records', () => {
  it('prune --prior: a model with a line break and an escape is printed escaped, on one line', async () => {
    const r = await runCli(['prune', EVIL, '--keep', '4', '--prior', PRIOR]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^d2pruner: error \[INVALID_INPUT\] prior: [^\n]*\n$/);
    expect(r.err).not.toContain('\r');
    expect(r.err).not.toContain('\u001b');
    expect(r.err).toContain('evil\\nsecond line\\r\\u001b[31mred');
  });

  it('prune --prior: a megabyte-long model is cut short, on one line', async () => {
    const r = await runCli(['prune', HUGE, '--keep', '4', '--prior', PRIOR]);
    expect(r.code).toBe(2);
    // cut where the value is quoted (core) or, failing that, at the end of the line (the CLI)
    expect(r.err).toMatch(/^d2pruner: error \[INVALID_INPUT\] prior: [^\n]*characters\)[^\n]*\n$/);
    expect(r.err.length).toBeLessThan(5000);
  });

  it('calibrate: the line reporting a skipped input stays one line', async () => {
    const r = await runCli(['calibrate', GOOD, EVIL, '--out', join(tmp, 'out.safetensors'), '--workers', '0']);
    expect(r.code).toBe(0);
    const lines = r.err.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^calibrate: skipped .*evil\.safetensors: \[INVALID_INPUT\] model: .*evil\\nsecond line/);
    expect(lines[1]).toMatch(/^calibrate: averaged 1 inputs/);
  });
});
