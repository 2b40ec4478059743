import { describe, expect, it } from 'vitest';
import { defaultConfig, parseServerArgs, serverHelp, SERVER_OPTIONS, type ServerConfig } from '../src/index.js';

function config(argv: string[], env: Record<string, string> = {}): ServerConfig {
  const r = parseServerArgs(argv, env);
  if (r.help) throw new Error('unexpected help');
  return r.config;
}

describe('server configuration', () => {
  it('defaults to 127.0.0.1:8080, CPU-or-WebGPU auto, the repo web app and samples', () => {
    const c = config([]);
    expect(c).toMatchObject({ host: '127.0.0.1', port: 8080, backend: 'auto', maxConcurrent: 16, timeoutMs: 30_000, maxBodyBytes: 64 * 1024 * 1024 });
    expect(c.webDir).toMatch(/apps\/web\/dist$/);
    expect(c.sampleDirs.some((d) => d.endsWith('fixtures/samples'))).toBe(true);
  });

  it('reads HOST / PORT and D2PRUNER_* variables; flags override them', () => {
    const env = { HOST: '0.0.0.0', PORT: '0', D2PRUNER_MAX_CONCURRENT: '4', D2PRUNER_BACKEND: 'cpu', D2PRUNER_WEB_DIR: 'none', D2PRUNER_SAMPLES_DIR: '/a:/b' };
    expect(config([], env)).toMatchObject({ host: '0.0.0.0', port: 0, maxConcurrent: 4, backend: 'cpu', webDir: null, sampleDirs: ['/a', '/b'] });
    expect(config(['--port', '9000', '--max-concurrent=8', '--host', '::1'], env)).toMatchObject({ host: '::1', port: 9000, maxConcurrent: 8 });
  });

  it('rejects malformed values and unknown flags, naming them', () => {
    const bad: [string[], Record<string, string>, string][] = [
      [['--port', 'http'], {}, 'port'],
      [['--port', '-1'], {}, 'port'],
      [[], { PORT: '80.5' }, 'port'],
      [['--backend', 'cuda'], {}, 'backend'],
      [['--max-concurrent', '0'], {}, 'max-concurrent'],
      [['--colour', 'red'], {}, 'colour'],
      [['--port'], {}, 'port'],
      [['serve'], {}, 'serve'],
      [['--workers', '0x2'], {}, 'workers'],
      [[], { D2PRUNER_TIMEOUT_MS: ' 500' }, 'timeout-ms'],
      [['--max-tokens', '1e400'], {}, 'max-tokens'],
      [['--max-connections-per-client', '-1'], {}, 'max-connections-per-client'],
      [['--max-connections-per-client=1.5'], {}, 'max-connections-per-client'],
      [['--max-connections-per-client', 'abc'], {}, 'max-connections-per-client'],
      [[], { D2PRUNER_MAX_CONNECTIONS_PER_CLIENT: '-1' }, 'max-connections-per-client'],
      [[], { D2PRUNER_MAX_CONNECTIONS_PER_CLIENT: '1.5' }, 'max-connections-per-client'],
      [[], { D2PRUNER_MAX_CONNECTIONS_PER_CLIENT: 'abc' }, 'max-connections-per-client'],
    ];
    for (const [argv, env, field] of bad) {
      expect(() => parseServerArgs(argv, env), argv.join(' ')).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', field }));
    }
  });

  it('--max-connections-per-client: 256 by default, 0 (no limit) or more from the flag or D2PRUNER_MAX_CONNECTIONS_PER_CLIENT', () => {
    expect(config([]).maxConnectionsPerClient).toBe(256);
    expect(config([], { D2PRUNER_MAX_CONNECTIONS_PER_CLIENT: '0' }).maxConnectionsPerClient).toBe(0);
    expect(config(['--max-connections-per-client', '8'], { D2PRUNER_MAX_CONNECTIONS_PER_CLIENT: '0' }).maxConnectionsPerClient).toBe(8);
    expect(() => parseServerArgs(['--max-connections-per-client', '-1'], {})).toThrow("--max-connections-per-client (D2PRUNER_MAX_CONNECTIONS_PER_CLIENT) must be an integer ≥ 0, got '-1'");
    expect(serverHelp()).toMatch(/--max-connections-per-client +D2PRUNER_MAX_CONNECTIONS_PER_CLIENT +.*0 = no limit.*reverse proxy/);
  });

  it('documents every option with its flag and environment variable', () => {
    expect(parseServerArgs(['--help'])).toEqual({ help: true });
    const help = serverHelp();
    for (const o of SERVER_OPTIONS) {
      expect(help).toContain(`--${o.flag}`);
      expect(help).toContain(o.env);
    }
    const lines = help.split('\n');
    const envColumns = SERVER_OPTIONS.map((o) => lines.find((l) => l.startsWith(`  --${o.flag} `))?.indexOf(` ${o.env} `));
    expect(new Set(envColumns).size, 'the environment variables line up').toBe(1);
    expect(Object.keys(defaultConfig()).sort()).toEqual(SERVER_OPTIONS.map((o) => o.key).sort());
  });
});
