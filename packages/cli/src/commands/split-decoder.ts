import { BackendUnavailableError, InvalidArgumentError } from '@d2pruner/core';
import { numberOption, stringOption, type ParsedArgs } from '../args.js';
import type { CliIo } from '../io.js';

/**
 * `d2pruner split-decoder MODEL_DIR --layer K [--out DIR] [--source onnx/decoder_model_merged.onnx] [--json]`:
 * cuts an exported LLaVA-family merged decoder before layer K into the pair that
 * `generate --layer K` runs (part A: layers 0…K−1 with the residual stream and layer K−1's
 * attention as outputs; part B: layers K…L−1). Writes `part_a.onnx`, `part_b.onnx` and
 * `split.json` into DIR (default MODEL_DIR/split-kK). Graphs it cannot cut (fused attention,
 * unnamed layers, control flow, no single residual stream) are refused with the reason.
 */
export async function splitDecoderCommand(args: ParsedArgs, io: CliIo): Promise<number> {
  if (args.positionals.length !== 1) throw new InvalidArgumentError('MODEL_DIR', `split-decoder needs one model directory, got ${args.positionals.length}`);
  const layer = numberOption(args, 'layer');
  if (layer === undefined) throw new InvalidArgumentError('layer', 'split-decoder needs --layer K (part A = layers 0…K−1)');
  for (const name of args.options.keys()) {
    if (!['layer', 'out', 'source', 'json'].includes(name)) throw new InvalidArgumentError(name, `unknown option --${name}; split-decoder takes --layer, --out, --source, --json`);
  }
  const tf = await import('@d2pruner/transformers').catch((e: unknown) => {
    throw new BackendUnavailableError('transformers', `d2pruner split-decoder needs the optional package @d2pruner/transformers: ${e instanceof Error ? e.message : String(e)}`);
  });
  const r = await tf.splitDecoderFiles(args.positionals[0], { layer, out: stringOption(args, 'out'), source: stringOption(args, 'source') });
  if (args.options.get('json') === true) {
    await io.out(JSON.stringify({ dir: r.dir, config: r.config, points: r.points, files: r.files }) + '\n');
    return 0;
  }
  await io.out(
    `split ${r.config.source} before layer ${r.config.layer} of ${r.config.layers} → ${r.dir}\n` +
      `  part A: layers 0–${layer - 1}, cut at ${r.points.residual}; layer ${layer - 1} attention from ${r.points.probabilities}, query ${r.points.query}\n` +
      `  part B: layers ${layer}–${r.config.layers - 1}\n`,
  );
  return 0;
}
