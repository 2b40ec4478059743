import { BackendUnavailableError, InvalidArgumentError } from '@d2pruner/core';
import { getMethod } from '@d2pruner/methods';
import { defineCommand } from '../cli/command.js';
import { BUDGET_OPTIONS, JSON_OPTION, METHOD_OPTION } from '../cli/common-options.js';
import { loadPriorFile, writeOutputFile } from '../load.js';
import { methodParamsFromArgs } from '../method-args.js';
import { checkOutputPath } from '../output-path.js';
import { TRANSFORMERS_DTYPES, checkMaxNewTokens, generateFlagError } from '../generate-args.js';

const round3 = (x: number) => Math.round(x * 1000) / 1000;

const IMPORTANCE = ['attention', 'relevance', 'cls'] as const;

function required(value: string | undefined, name: string, what: string): string {
  if (!value) throw new InvalidArgumentError(name, `generate needs --${name} ${what}`);
  return value;
}

/**
 * `d2pruner generate --model DIR --image IMG --prompt TEXT [--method M (--keep N | --ratio R) |
 * --no-prune] [--layer K [--split DIR]] [--prior FILE] [--max-new-tokens T]
 * [--importance attention|relevance|cls] [--layout adapter|grid] [--device D] [--dtype T]
 * [--save-tokens FILE] [--PARAM VALUE…] [--json]`:
 * greedy generation with a local transformers.js LLaVA model, its visual tokens pruned at the
 * prefill — before the LLM (K = 0, default) or inside it at layer K through a split decoder pair
 * (`d2pruner split-decoder`). `@d2pruner/transformers` (and transformers.js under it) is
 * imported only when it runs.
 */
export const generateCommand = defineCommand({
  name: 'generate',
  summary: 'Greedy generation with a local transformers.js LLaVA model, its visual tokens pruned at the prefill.',
  usage: [
    'generate --model DIR --image IMG --prompt TEXT [--method M --keep N | --no-prune] [--max-new-tokens T] [--json]',
    'generate --model DIR --image IMG --prompt TEXT --layer K [--split DIR] [--prior FILE] --keep N [--save-tokens FILE]',
  ],
  methodParams: true,
  options: {
    model: { type: 'string', valueName: 'DIR', description: 'a local transformers.js LLaVA directory (required)' },
    image: { type: 'string', valueName: 'IMG', description: 'a PNG or JPEG file (required)' },
    prompt: { type: 'string', valueName: 'TEXT', description: 'the question (required)' },
    method: METHOD_OPTION,
    ...BUDGET_OPTIONS,
    'no-prune': { type: 'boolean', description: 'run every visual token (a baseline for comparison)' },
    'max-new-tokens': { type: 'number', valueName: 'T', default: 32, description: 'tokens to generate' },
    layer: { type: 'number', valueName: 'K', default: 0, description: 'prune inside the LLM at layer K through a split decoder pair (0: before the LLM)' },
    split: { type: 'string', valueName: 'DIR', defaultNote: 'MODEL_DIR/split-kK', description: 'the split decoder pair of --layer K (d2pruner split-decoder writes it)' },
    prior: { type: 'string', valueName: 'FILE', description: 'positional prior from d2pruner calibrate (D2Pruner debiases by it)' },
    'save-tokens': { type: 'string', valueName: 'FILE', description: "write the image's pruning input (attention, features, keys, layout) as a token file for calibrate" },
    importance: { type: 'string', choices: IMPORTANCE, defaultNote: 'attention with --layer K ≥ 1, else relevance', description: 'importance signal taken from the model' },
    layout: { type: 'string', choices: ['adapter', 'grid'], default: 'adapter', description: "token layout: the model adapter's or a plain grid" },
    device: { type: 'string', valueName: 'D', defaultNote: "transformers.js's", description: 'transformers.js device (cpu, webgpu, …)' },
    dtype: { type: 'string', choices: TRANSFORMERS_DTYPES, defaultNote: "the model's", description: 'transformers.js weight type' },
    json: JSON_OPTION,
  },
  examples: [
    'generate --model ./tiny-llava --image photo.png --prompt "What is shown?" --keep 64',
    'generate --model ./tiny-llava --image photo.png --prompt "What is shown?" --layer 2 --keep 64 --prior prior.safetensors',
  ],
  async run({ values, given, params: flags }, io) {
  const modelDir = required(values.model, 'model', 'DIR (a transformers.js LLaVA directory)');
  const image = required(values.image, 'image', 'IMG (a PNG or JPEG file)');
  const prompt = required(values.prompt, 'prompt', 'TEXT');
  const noPrune = values['no-prune'] === true;
  const { keep, ratio } = values;
  if (noPrune && (keep !== undefined || ratio !== undefined || given.has('method'))) {
    throw new InvalidArgumentError('no-prune', '--no-prune cannot be combined with --method, --keep or --ratio');
  }
  if (!noPrune && (keep === undefined) === (ratio === undefined)) {
    throw new InvalidArgumentError('keep', 'generate needs --keep N (visual tokens per image) or --ratio R, or --no-prune');
  }
  const method = getMethod(values.method);
  const params = methodParamsFromArgs(method, flags);
  const importance = values.importance as (typeof IMPORTANCE)[number] | undefined;
  const layout = values.layout;
  const maxNewTokens = checkMaxNewTokens(values['max-new-tokens']);
  const layer = values.layer;
  if (!Number.isInteger(layer) || layer < 0) throw new InvalidArgumentError('layer', `--layer must be an integer ≥ 0, got ${layer}`);
  const split = values.split;
  if (split !== undefined && layer === 0) throw new InvalidArgumentError('split', '--split is the split decoder pair of --layer K (K ≥ 1)');
  const priorFile = values.prior ? await loadPriorFile(io, values.prior) : undefined;
  const prior = priorFile?.prior;
  const saveTokens = values['save-tokens'];
  if (saveTokens !== undefined && noPrune) throw new InvalidArgumentError('save-tokens', '--save-tokens saves the pruning input; it cannot be combined with --no-prune');
  if (saveTokens) await checkOutputPath(saveTokens, 'save-tokens', [image, values.prior]);

  const tf = await import('@d2pruner/transformers').catch((e: unknown) => {
    throw new BackendUnavailableError(
      'transformers',
      `d2pruner generate needs the optional package @d2pruner/transformers (npm i @d2pruner/transformers @huggingface/transformers): ${e instanceof Error ? e.message : String(e)}`,
    );
  });
  const loaded = await tf.loadLocalLlava(modelDir, { device: values.device, dtype: values.dtype }).catch((e: unknown) => {
    throw generateFlagError(e);
  });
  let result: Awaited<ReturnType<typeof tf.generateWithPruning>>;
  try {
    result = await tf.generateWithPruning(loaded, {
      image,
      prompt,
      maxNewTokens,
      pruning: noPrune
        ? layer > 0
          ? { enabled: false, layer, split }
          : false
        : {
            method,
            keep,
            ratio,
            params,
            layer,
            ...(importance ? { importance } : {}),
            ...(split ? { split } : {}),
            ...(prior ? { prior } : {}),
            // a prior belongs to the layout it was calibrated on (docs/algorithm.md §6), as in prune
            ...(priorFile?.layoutSignature !== undefined ? { priorLayout: priorFile.layoutSignature } : {}),
            // and to the model and layer it was calibrated for (docs/algorithm.md §6)
            ...(priorFile?.model !== undefined ? { priorModel: priorFile.model } : {}),
            ...(priorFile?.layer !== undefined ? { priorLayer: priorFile.layer } : {}),
            ...(saveTokens ? { captureInputs: true } : {}),
            ...(layout === 'grid' ? { layout: 'grid' as const } : {}),
          },
    });
  } catch (e) {
    throw generateFlagError(e);
  } finally {
    await loaded.model.dispose();
  }
  if (saveTokens) {
    const first = result.report.images[0];
    if (!first) throw new InvalidArgumentError('save-tokens', 'the prompt held no image to save');
    await writeOutputFile(io, saveTokens, tf.imageTokenFile(first, layer), 'save-tokens');
    io.err(`generate: saved image 0's pruning input (attention, features, keys, layout) → ${saveTokens}\n`);
  }
  const macs = result.report.macs;
  if (values.json) {
    const json = {
      visualTokens: result.visualTokens,
      prefillTokens: result.prefillTokens,
      prefillMs: round3(result.prefillMs),
      pruneMs: round3(result.pruneMs),
      text: result.text,
      tokenIds: result.tokenIds,
      layer: result.report.layer,
      ...(macs ? { macs: { partA: macs.partA, partB: macs.partB, pruned: macs.pruned, full: macs.full, ratio: round3(macs.ratio) } } : {}),
    };
    await io.out(JSON.stringify(json) + '\n');
    return 0;
  }
  const r = result.report;
  await io.out(
    `visual tokens ${r.visualTokens.before} → ${r.visualTokens.after}` +
      (r.method ? ` (${r.method}, importance ${r.images[0]?.importance ?? importance}${r.layer > 0 ? `, layer ${r.layer}` : ''})` : ' (no pruning)') +
      (r.layer > 0
        ? `\nprefill layers 0–${r.layer - 1}: ${r.sequenceBefore} tokens in ${(r.partAMs ?? 0).toFixed(1)} ms; layers ${r.layer}–: ${r.prefillTokens} tokens in ${(r.partBMs ?? 0).toFixed(1)} ms`
        : `\nprefill ${r.prefillTokens} tokens in ${r.prefillMs.toFixed(1)} ms`) +
      (r.method ? `, pruning ${r.pruneMs.toFixed(1)} ms` : '') +
      (macs ? `; ${(macs.pruned / 1e9).toFixed(2)} of ${(macs.full / 1e9).toFixed(2)} GMAC (${macs.ratio.toFixed(2)}× fewer)` : '') +
      `\n${result.text}\n`,
  );
  return 0;
  },
});
