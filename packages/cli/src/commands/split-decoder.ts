import { BackendUnavailableError, InvalidArgumentError } from '@d2pruner/core';
import { defineCommand } from '../cli/command.js';
import { JSON_OPTION } from '../cli/common-options.js';

/**
 * `d2pruner split-decoder MODEL_DIR --layer K [--out DIR] [--source FILE] [--json]`: cuts an
 * exported LLaVA-family merged decoder before layer K into the pair that `generate --layer K`
 * runs (part A: layers 0…K−1 with the residual stream and layer K−1's attention as outputs;
 * part B: layers K…L−1), writing `part_a.onnx`, `part_b.onnx` and `split.json` into DIR.
 * Graphs it cannot cut (fused attention, unnamed layers, control flow, no single residual
 * stream) are refused with the reason.
 */
export const splitDecoderCommand = defineCommand({
  name: 'split-decoder',
  summary: 'Cut an exported LLaVA decoder before layer K into the two ONNX parts generate --layer K runs.',
  usage: ['split-decoder MODEL_DIR --layer K [--out DIR] [--source onnx/decoder_model_merged.onnx] [--json]'],
  positionals: 'MODEL_DIR',
  options: {
    layer: { type: 'number', valueName: 'K', description: 'part A = layers 0…K−1, part B = layers K…L−1 (required)' },
    out: { type: 'string', valueName: 'DIR', defaultNote: 'MODEL_DIR/split-kK', description: 'where part_a.onnx, part_b.onnx and split.json go' },
    source: { type: 'string', valueName: 'FILE', default: 'onnx/decoder_model_merged.onnx', description: 'the merged decoder, relative to MODEL_DIR (e.g. onnx/decoder_model_merged_q4.onnx)' },
    json: JSON_OPTION,
  },
  examples: ['split-decoder ./my-llava --layer 2'],
  async run({ values, positionals }, io) {
    if (positionals.length !== 1) throw new InvalidArgumentError('MODEL_DIR', `split-decoder needs one model directory, got ${positionals.length}`);
    const layer = values.layer;
    if (layer === undefined) throw new InvalidArgumentError('layer', 'split-decoder needs --layer K (part A = layers 0…K−1)');
    const tf = await import('@d2pruner/transformers').catch((e: unknown) => {
      throw new BackendUnavailableError('transformers', `d2pruner split-decoder needs the optional package @d2pruner/transformers: ${e instanceof Error ? e.message : String(e)}`);
    });
    const r = await tf.splitDecoderFiles(positionals[0], { layer, out: values.out, source: values.source });
    if (values.json) {
      await io.out(JSON.stringify({ dir: r.dir, config: r.config, points: r.points, files: r.files }) + '\n');
      return 0;
    }
    await io.out(
      `split ${r.config.source} before layer ${r.config.layer} of ${r.config.layers} → ${r.dir}\n` +
        `  part A: layers 0–${layer - 1}, cut at ${r.points.residual}; layer ${layer - 1} attention from ${r.points.probabilities}, query ${r.points.query}\n` +
        `  part B: layers ${layer}–${r.config.layers - 1}\n`,
    );
    return 0;
  },
});
