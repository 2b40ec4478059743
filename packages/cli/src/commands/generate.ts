import { BackendUnavailableError, InvalidArgumentError } from '@d2pruner/core';
import { getMethod } from '@d2pruner/methods';
import { defineCommand } from '../cli/command.js';
import { BUDGET_OPTIONS, JSON_OPTION, METHOD_OPTION } from '../cli/common-options.js';
import { methodParamsFromArgs } from '../method-args.js';

const round3 = (x: number) => Math.round(x * 1000) / 1000;

function required(value: string | undefined, name: string, what: string): string {
  if (!value) throw new InvalidArgumentError(name, `generate needs --${name} ${what}`);
  return value;
}

/**
 * `d2pruner generate --model DIR --image IMG --prompt TEXT [--method M (--keep N | --ratio R) |
 * --no-prune] [--max-new-tokens T] [--importance relevance|cls] [--layout adapter|grid]
 * [--device D] [--dtype T] [--PARAM VALUE…] [--json]`:
 * greedy generation with a local transformers.js LLaVA model, its visual tokens pruned at the
 * prefill. `@d2pruner/transformers` (and transformers.js under it) is imported only when it runs.
 */
export const generateCommand = defineCommand({
  name: 'generate',
  summary: 'Greedy generation with a local transformers.js LLaVA model, its visual tokens pruned at the prefill.',
  usage: ['generate --model DIR --image IMG --prompt TEXT [--method M --keep N | --no-prune] [--max-new-tokens T] [--json]'],
  methodParams: true,
  options: {
    model: { type: 'string', valueName: 'DIR', description: 'a local transformers.js LLaVA directory (required)' },
    image: { type: 'string', valueName: 'IMG', description: 'a PNG or JPEG file (required)' },
    prompt: { type: 'string', valueName: 'TEXT', description: 'the question (required)' },
    method: METHOD_OPTION,
    ...BUDGET_OPTIONS,
    'no-prune': { type: 'boolean', description: 'run every visual token (a baseline for comparison)' },
    'max-new-tokens': { type: 'number', valueName: 'T', default: 32, description: 'tokens to generate' },
    importance: { type: 'string', choices: ['relevance', 'cls'], default: 'relevance', description: 'importance signal taken from the model' },
    layout: { type: 'string', choices: ['adapter', 'grid'], default: 'adapter', description: "token layout: the model adapter's or a plain grid" },
    device: { type: 'string', valueName: 'D', defaultNote: "transformers.js's", description: 'transformers.js device (cpu, webgpu, …)' },
    dtype: { type: 'string', valueName: 'T', defaultNote: "the model's", description: 'transformers.js weight type (fp32, q8, …)' },
    json: JSON_OPTION,
  },
  examples: ['generate --model ./tiny-llava --image photo.png --prompt "What is shown?" --keep 64'],
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
  const importance = values.importance as 'relevance' | 'cls';
  const layout = values.layout;
  const maxNewTokens = values['max-new-tokens'];

  const tf = await import('@d2pruner/transformers').catch((e: unknown) => {
    throw new BackendUnavailableError(
      'transformers',
      `d2pruner generate needs the optional package @d2pruner/transformers (npm i @d2pruner/transformers @huggingface/transformers): ${e instanceof Error ? e.message : String(e)}`,
    );
  });
  const loaded = await tf.loadLocalLlava(modelDir, { device: values.device, dtype: values.dtype });
  let result: Awaited<ReturnType<typeof tf.generateWithPruning>>;
  try {
    result = await tf.generateWithPruning(loaded, {
      image,
      prompt,
      maxNewTokens,
      pruning: noPrune ? false : { method, keep, ratio, params, importance, ...(layout === 'grid' ? { layout: 'grid' as const } : {}) },
    });
  } finally {
    await loaded.model.dispose();
  }
  if (values.json) {
    const json = {
      visualTokens: result.visualTokens,
      prefillTokens: result.prefillTokens,
      prefillMs: round3(result.prefillMs),
      pruneMs: round3(result.pruneMs),
      text: result.text,
      tokenIds: result.tokenIds,
    };
    await io.out(JSON.stringify(json) + '\n');
    return 0;
  }
  const r = result.report;
  await io.out(
    `visual tokens ${r.visualTokens.before} → ${r.visualTokens.after}` +
      (r.method ? ` (${r.method}, importance ${r.images[0]?.importance ?? importance})` : ' (no pruning)') +
      `\nprefill ${r.prefillTokens} tokens in ${r.prefillMs.toFixed(1)} ms` +
      (r.method ? `, pruning ${r.pruneMs.toFixed(1)} ms` : '') +
      `\n${result.text}\n`,
  );
  return 0;
  },
});
