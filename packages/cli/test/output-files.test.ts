import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, runCli } from './helpers.js';

const BIN = join(ROOT, 'packages/cli/bin/d2pruner.js');
const SAMPLE = join(ROOT, 'fixtures/samples/llava-sample.safetensors');
const tmp = mkdtempSync(join(tmpdir(), 'd2pruner-output-files-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('output file flags', () => {
  it('eval --report into a missing folder exits 2 naming report, like --out', async () => {
    const r = await runCli(['eval', SAMPLE, '--methods', 'fastv', '--report', join(tmp, 'missing', 'r.html')]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`d2pruner: error [INVALID_ARGUMENT] report: cannot write --report '${join(tmp, 'missing', 'r.html')}': its folder does not exist\n`);
    expect(r.err).not.toContain('internal error');
  });

  it('an output folder that is missing or not a folder is refused before any work: no table, no selection, inputs not read', async () => {
    const missing = join(tmp, 'missing');
    const notFolder = join(tmp, 'file.txt');
    writeFileSync(notFolder, 'not a folder');
    const absent = join(tmp, 'absent.safetensors');
    const cases: [string[], string, string, string][] = [
      [['eval', SAMPLE, '--methods', 'fastv', '--report', join(missing, 'r.html')], 'report', join(missing, 'r.html'), 'its folder does not exist'],
      [['eval', SAMPLE, '--methods', 'fastv', '--report', join(notFolder, 'r.html')], 'report', join(notFolder, 'r.html'), 'its folder is not a directory'],
      [['eval', absent, '--methods', 'fastv', '--report', tmp], 'report', tmp, 'it is a directory'],
      [['prune', SAMPLE, '--keep', '4', '--out', join(missing, 'k.safetensors')], 'out', join(missing, 'k.safetensors'), 'its folder does not exist'],
      [['prune', absent, '--keep', '4', '--out', join(notFolder, 'k.safetensors')], 'out', join(notFolder, 'k.safetensors'), 'its folder is not a directory'],
      [['calibrate', absent, '--out', join(missing, 'p.safetensors')], 'out', join(missing, 'p.safetensors'), 'its folder does not exist'],
      [['render', absent, '--keep', '4', '--out', join(missing, 'o.png')], 'out', join(missing, 'o.png'), 'its folder does not exist'],
    ];
    for (const [argv, field, path, why] of cases) {
      const r = await runCli(argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.err, argv.join(' ')).toBe(`d2pruner: error [INVALID_ARGUMENT] ${field}: cannot write --${field} '${path}': ${why}\n`);
      expect(r.out, argv.join(' ')).toBe('');
    }
  });

  it('an empty --out (prune) or --report (eval) exits 2 naming the flag, like calibrate and render', async () => {
    const cases: [string[], string][] = [
      [['prune', SAMPLE, '--keep', '4', '--out', ''], 'out'],
      [['prune', SAMPLE, '--keep', '4', '--out='], 'out'],
      [['eval', SAMPLE, '--methods', 'fastv', '--report', ''], 'report'],
      [['calibrate', SAMPLE, '--out', ''], 'out'],
      [['render', SAMPLE, '--keep', '4', '--out', ''], 'out'],
    ];
    for (const [argv, field] of cases) {
      const r = await runCli(argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.err, argv.join(' ')).toMatch(new RegExp(`^d2pruner: error \\[INVALID_ARGUMENT\\] ${field}: [^\\n]*\\n$`));
      expect(r.out, argv.join(' ')).toBe('');
    }
  });
});

describe.skipIf(!existsSync('/dev/full'))('a stdout that fails to take the output', () => {
  it('d2pruner methods > /dev/full: one line on stderr, exit 1, no stack trace', () => {
    const full = openSync('/dev/full', 'w');
    try {
      const r = spawnSync(process.execPath, [BIN, 'methods'], { stdio: ['ignore', full, 'pipe'], encoding: 'utf8', cwd: tmp, timeout: 20_000 });
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/^d2pruner: cannot write the output: ENOSPC[^\n]*\n$/);
    } finally {
      closeSync(full);
    }
  });
});
