#!/usr/bin/env node
// `npm start`: builds the server, the web app and what they use (nx, cached after the first
// run; its output is shown only when the build fails), then runs the server. The server runs as
// a child in its own process group: SIGINT, SIGTERM and SIGHUP sent to this process are passed
// on once, the server is stopped too when npm (this process's parent shell) goes away, and this
// process exits with the server's exit code: stopping or killing `npm start` stops the server. Dawn's adapter-probe warnings (Vulkan missing, limits reduced) are left out of stderr.
// Arguments after `npm start --` go to the server (`npm start -- --port 9000`).
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { constants } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const nxBin = createRequire(import.meta.url).resolve('nx/bin/nx.js');

function build() {
  process.stdout.write('d2pruner: building the server and the web app (nx; cached after the first run)…\n');
  return new Promise((resolve) => {
    const nx = spawn(process.execPath, [nxBin, 'run', '@d2pruner/server:build', '--output-style=static'], {
      cwd: root,
      env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false', FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const log = [];
    nx.stdout.on('data', (d) => log.push(d));
    nx.stderr.on('data', (d) => log.push(d));
    nx.on('close', (code) => {
      if (code !== 0) process.stderr.write(Buffer.concat(log));
      resolve(code ?? 1);
    });
  });
}

/** Dawn's start-up warnings: a `Warning:` line and the ` at …cpp:N)` line that follows it. */
function isDawnNoise(line, previousWasWarning) {
  if (/^Warning: /.test(line)) return true;
  return previousWasWarning && /^\s+at .*\.(cpp|h):\d+\)$/.test(line);
}

function serve(args) {
  const server = spawn(process.execPath, [join(root, 'apps/server/dist/main.js'), ...args], {
    cwd: root,
    stdio: ['ignore', 'inherit', 'pipe'],
    detached: true,
  });
  let warning = false;
  createInterface({ input: server.stderr }).on('line', (line) => {
    const noise = isDawnNoise(line, warning);
    warning = noise;
    if (!noise) process.stderr.write(line + '\n');
  });
  // Ctrl-C reaches this process twice (from the terminal and from npm): pass one on, and a
  // second only when it comes later (a deliberate second Ctrl-C exits the server at once).
  let last = 0;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => {
      if (Date.now() - last < 1000) return;
      last = Date.now();
      server.kill(signal);
    });
  }
  // npm runs this script under a shell that does not pass signals on: when the shell goes away
  // (npm stopped or killed), this process is re-parented, and the server is stopped like on SIGTERM.
  const parent = process.ppid;
  const watch = setInterval(() => {
    if (process.ppid !== parent) process.emit('SIGTERM', 'SIGTERM');
  }, 250);
  server.on('exit', (code, signal) => {
    clearInterval(watch);
    process.exitCode = code ?? 128 + (constants.signals[signal] ?? 1);
  });
}

const code = await build();
if (code !== 0) process.exit(code);
serve(process.argv.slice(2));
