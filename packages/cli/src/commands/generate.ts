import { BackendUnavailableError, InvalidArgumentError } from '@d2pruner/core';
import { getMethod } from '@d2pruner/methods';
import { numberOption, stringOption, type ParsedArgs } from '../args.js';
import type { CliIo } from '../io.js';
import { methodParamsFromArgs } from '../method-args.js';

/** Options of `generate` itself; any other option is a method parameter. */
const OWN = new Set(['model', 'image', 'prompt', 'method', 'keep', 'ratio', 'no-prune', 'max-new-tokens', 'importance', 'layout', 'device', 'dtype', 'json']);

const round3 = (x: number) => Math.round(x * 1000) / 1000;

function required(args: ParsedArgs, name: string, what: string): string {
  const v = stringOption(args, name);
  if (!v) throw new InvalidArgumentError(name, `generate needs --${name} ${what}`);
  return v;
}

/**
 * `d2pruner generate --model DIR --image IMG --prompt TEXT [--method M (--keep N | --ratio R) |
 * --no-prune] [--max-new-tokens T] [--importance relevance|cls] [--layout adapter|grid]
 * [--device D] [--dtype T] [--PARAM VALUE…] [--json]`:
 * greedy generation with a local transformers.js LLaVA model, its visual tokens pruned at the
 * prefill. `@d2pruner/transformers` (and transformers.js under it) is imported only here.
 */
export async function generateCommand(args: ParsedArgs, io: CliIo): Promise<number> {
  const modelDir = required(args, 'model', 'DIR (a transformers.js LLaVA directory)');
  const image = required(args, 'image', 'IMG (a PNG or JPEG file)');
  const prompt = required(args, 'prompt', 'TEXT');
  const noPrune = args.options.get('no-prune');
  if (noPrune !== undefined && noPrune !== true) throw new InvalidArgumentError('no-prune', '--no-prune takes no value');
  const keep = numberOption(args, 'keep');
  const ratio = numberOption(args, 'ratio');
  if (noPrune && (keep !== undefined || ratio !== undefined || args.options.has('method'))) {
    throw new InvalidArgumentError('no-prune', '--no-prune cannot be combined with --method, --keep or --ratio');
  }
  if (!noPrune && (keep === undefined) === (ratio === undefined)) {
    throw new InvalidArgumentError('keep', 'generate needs --keep N (visual tokens per image) or --ratio R, or --no-prune');
  }
  const method = getMethod(stringOption(args, 'method') ?? 'd2pruner');
  const params = methodParamsFromArgs(method, args, OWN);
  const importance = stringOption(args, 'importance') ?? 'relevance';
  if (importance !== 'relevance' && importance !== 'cls') throw new InvalidArgumentError('importance', `--importance must be relevance or cls, got '${importance}'`);
  const layout = stringOption(args, 'layout') ?? 'adapter';
  if (layout !== 'adapter' && layout !== 'grid') throw new InvalidArgumentError('layout', `--layout must be adapter or grid, got '${layout}'`);
  const maxNewTokens = numberOption(args, 'max-new-tokens') ?? 32;

  const tf = await import('@d2pruner/transformers').catch((e: unknown) => {
    throw new BackendUnavailableError(
      'transformers',
      `d2pruner generate needs the optional package @d2pruner/transformers (npm i @d2pruner/transformers @huggingface/transformers): ${e instanceof Error ? e.message : String(e)}`,
    );
  });
  const loaded = await tf.loadLocalLlava(modelDir, { device: stringOption(args, 'device'), dtype: stringOption(args, 'dtype') });
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
  if (args.options.get('json') === true) {
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
}
