import { isD2PrunerError } from '@d2pruner/core';
import { parseServerArgs, serverHelp } from './config.js';
import { startServer } from './server.js';

/**
 * `node apps/server/dist/main.js [--host H] [--port P] …` (see `--help`): starts the server,
 * prints the URL (the chosen port when `--port 0`), and shuts down gracefully on SIGINT/SIGTERM
 * (a second signal exits at once). Exit code 2 for invalid options or a `--model-dir` that does
 * not load, 1 when it cannot listen.
 */
export async function main(argv: readonly string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseServerArgs(argv);
  } catch (e) {
    process.stderr.write(`d2pruner-server: ${isD2PrunerError(e) ? `${e.code} (${e.field}): ` : ''}${e instanceof Error ? e.message : String(e)}\n`);
    return 2;
  }
  if (parsed.help) {
    process.stdout.write(serverHelp());
    return 0;
  }
  const { config } = parsed;
  let server;
  try {
    server = await startServer(config);
  } catch (e) {
    if (isD2PrunerError(e) && e.field === 'model-dir') {
      process.stderr.write(`d2pruner-server: ${e.code} (${e.field}): ${e.message}\n`);
      return 2;
    }
    process.stderr.write(`d2pruner-server: cannot start on ${config.host}:${config.port}: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
  const h = server.state.backends.health();
  const web = server.state.webAvailable ? `${server.url}/` : `not built (${config.webDir ?? 'disabled'}): npm run build -w @d2pruner/web`;
  const m = server.state.model.health();
  const model = m.loaded ? `${m.dir} (${m.type ?? '?'}, ${m.device ?? 'cpu'}): POST ${server.url}/v1/generate` : 'none (--model-dir DIR enables POST /v1/generate)';
  const banner = `d2pruner server listening on ${server.url} (port ${server.port})\n  backend: ${h.adapter}\n  model:   ${model}\n  web app: ${web}   API: ${server.url}/openapi.json\n`;
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) {
        process.stderr.write(`d2pruner-server: ${signal} again, exiting now\n`);
        process.exit(1);
      }
      stopping = true;
      process.stdout.write(`d2pruner server: ${signal}, finishing ${server.state.gate.inFlight} in-flight request(s)\n`);
      server.close().then(
        () => {
          process.stdout.write('d2pruner server: stopped\n');
          resolve(0);
        },
        (e: unknown) => {
          process.stderr.write(`d2pruner-server: shutdown failed: ${e instanceof Error ? e.message : String(e)}\n`);
          resolve(1);
        },
      );
    };
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGTERM', () => stop('SIGTERM'));
    // printed once the handlers are in place: a supervisor that signals as soon as it reads this
    // line gets a graceful stop (a pipe write is synchronous, and a SIGTERM with no handler yet
    // would end the process at once)
    process.stdout.write(banner);
  });
}
