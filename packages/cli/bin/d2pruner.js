#!/usr/bin/env node
// The `d2pruner` command. The compiled entry lives in dist/ (built by `npm run build`).
// A closed pipe (`d2pruner … | head`) ends the process quietly instead of throwing EPIPE; any
// other write error (a full disk, `> /dev/full`) is one line on stderr and exit 1, no stack trace.
process.stdout.on('error', (e) => {
  if (e && e.code === 'EPIPE') process.exit(0);
  process.stderr.write(`d2pruner: cannot write the output: ${e && e.message ? e.message : String(e)}\n`);
  process.exit(1);
});
const argv = process.argv.slice(2);
// The build's one-file bundle of the CLI (dist/d2pruner.bundle.js) loads in about a third of the
// time of its separate modules; without it, they are loaded instead. `prune --batch`, `calibrate`
// and `eval --workers` start their worker pool first, so the workers load while the CLI does.
import('../dist/d2pruner.bundle.js')
  .catch((e) => {
    // only the bundle itself missing falls back (not a package the bundle imports)
    if (e && e.code === 'ERR_MODULE_NOT_FOUND' && /Cannot find module '[^']*d2pruner\.bundle\.js'/.test(String(e.message))) return undefined;
    throw e;
  })
  .then(async (bundle) => {
    const early = bundle ?? (await import('../dist/early-pool.js'));
    await early.prestartPool(argv);
    try {
      const m = bundle ?? (await import('../dist/main.js'));
      return await m.runCli(argv);
    } finally {
      await early.closeStartedPool();
    }
  })
  .then((code) => {
    process.exitCode = code;
  })
  .catch((e) => {
    if (e && e.code === 'ERR_MODULE_NOT_FOUND' && /\/dist\/(main|early-pool)\.js/.test(String(e.message))) {
      process.stderr.write('d2pruner: the CLI is not built yet; in the repository run `npm start` or `npm run build` first\n');
      process.exitCode = 1;
      return;
    }
    process.stderr.write(`d2pruner: internal error: ${e && e.message ? e.message : String(e)}\n`);
    process.exitCode = 1;
  });
