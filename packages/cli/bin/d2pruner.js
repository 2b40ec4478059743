#!/usr/bin/env node
// The `d2pruner` command. The compiled entry lives in dist/ (built by `npm run build`).
// A closed pipe (`d2pruner … | head`) ends the process quietly instead of throwing EPIPE.
process.stdout.on('error', (e) => {
  if (e && e.code === 'EPIPE') process.exit(0);
  throw e;
});
import('../dist/main.js')
  .then((m) => m.runCli(process.argv.slice(2)))
  .then((code) => {
    process.exitCode = code;
  })
  .catch((e) => {
    if (e && e.code === 'ERR_MODULE_NOT_FOUND' && String(e.message).includes('/dist/main.js')) {
      process.stderr.write('d2pruner: the CLI is not built yet; in the repository run `npm start` or `npm run build` first\n');
      process.exitCode = 1;
      return;
    }
    process.stderr.write(`d2pruner: internal error: ${e && e.message ? e.message : String(e)}\n`);
    process.exitCode = 1;
  });
