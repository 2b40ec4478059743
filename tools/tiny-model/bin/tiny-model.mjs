#!/usr/bin/env node
// Writes a random-weight tiny LLaVA (transformers.js layout). Needs the built package:
//   npx nx run @d2pruner-tools/tiny-model:build   (or: cd tools/tiny-model && npx tsc -p tsconfig.build.json)
//   node tools/tiny-model/bin/tiny-model.mjs DIR [--seed S] [--hidden H --layers L]
import('../dist/index.js')
  .then((m) => m.runTinyModelCli(process.argv.slice(2)))
  .then((code) => {
    process.exitCode = code;
  })
  .catch((e) => {
    process.stderr.write(`tiny-model: ${e && e.message ? e.message : String(e)}\n`);
    process.exitCode = 1;
  });
