import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readSafetensors, writeSafetensors } from '@d2pruner/core';
import { runCli } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'd2pruner-pruned-keys-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('prune --out keeps what the prior key reads', () => {
  it('the pruned file records the input’s d2pruner.model and d2pruner.layer, so a prior can be matched to it', async () => {
    const input = join(tmp, 'in.safetensors');
    const attention = Float32Array.from({ length: 16 }, (_, i) => 1 + i / 16);
    const features = Float32Array.from({ length: 64 }, (_, i) => Math.sin(i));
    writeFileSync(input, writeSafetensors({ attention: { shape: [16], data: attention }, features: { shape: [16, 4], data: features } }, { 'd2pruner.model': 'llava-1.5-7b', 'd2pruner.layer': '3' }));
    const out = join(tmp, 'out.safetensors');
    const r = await runCli(['prune', input, '--keep', '4', '--out', out]);
    expect(r.code, r.err).toBe(0);
    const meta = readSafetensors(new Uint8Array(readFileSync(out))).metadata;
    expect(meta['d2pruner.model']).toBe('llava-1.5-7b');
    expect(meta['d2pruner.layer']).toBe('3');
    // an input that records no layer gives a file that records none
    const bare = join(tmp, 'bare.safetensors');
    writeFileSync(bare, writeSafetensors({ attention: { shape: [16], data: attention }, features: { shape: [16, 4], data: features } }));
    const out2 = join(tmp, 'out2.safetensors');
    expect((await runCli(['prune', bare, '--keep', '4', '--out', out2])).code).toBe(0);
    expect(readSafetensors(new Uint8Array(readFileSync(out2))).metadata['d2pruner.layer']).toBeUndefined();
  });
});
