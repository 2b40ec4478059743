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
// `prune --batch`, `calibrate` and `eval --workers` start their worker pool first, so the workers
// load while the CLI does (dist/early-pool.js).
import('../dist/early-pool.js')
  .then(async (early) => {
    await early.prestartPool(argv);
    try {
      const m = await import('../dist/main.js');
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
