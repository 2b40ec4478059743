import { BackendUnavailableError, InvalidArgumentError } from '@d2pruner/core';
import { getMethod } from '@d2pruner/methods';
import { numberOption, stringOption, type ParsedArgs } from '../args.js';
import type { CliIo } from '../io.js';
import { loadPriorFile } from '../load.js';
import { methodParamsFromArgs } from '../method-args.js';

/** Options of `generate` itself; any other option is a method parameter. */
const OWN = new Set(['model', 'image', 'prompt', 'method', 'keep', 'ratio', 'no-prune', 'max-new-tokens', 'importance', 'layout', 'device', 'dtype', 'json', 'layer', 'split', 'prior', 'save-tokens']);

const IMPORTANCE = ['attention', 'relevance', 'cls'] as const;

const round3 = (x: number) => Math.round(x * 1000) / 1000;

function required(args: ParsedArgs, name: string, what: string): string {
  const v = stringOption(args, name);
  if (!v) throw new InvalidArgumentError(name, `generate needs --${name} ${what}`);
  return v;
}

/**
 * `d2pruner generate --model DIR --image IMG --prompt TEXT [--method M (--keep N | --ratio R) |
 * --no-prune] [--layer K [--split DIR]] [--prior FILE] [--max-new-tokens T]
 * [--importance attention|relevance|cls] [--layout adapter|grid] [--device D] [--dtype T]
 * [--save-tokens FILE] [--PARAM VALUE…] [--json]`:
 * greedy generation with a local transformers.js LLaVA model, its visual tokens pruned at the
 * prefill — before the LLM (K = 0, default) or inside it at layer K through a split decoder pair
 * (`d2pruner split-decoder`). `@d2pruner/transformers` (and transformers.js under it) is
 * imported only here.
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
  const layer = numberOption(args, 'layer') ?? 0;
  if (!Number.isInteger(layer) || layer < 0) throw new InvalidArgumentError('layer', `--layer must be an integer ≥ 0, got ${layer}`);
  const importance = stringOption(args, 'importance');
  if (importance !== undefined && !(IMPORTANCE as readonly string[]).includes(importance)) {
    throw new InvalidArgumentError('importance', `--importance must be one of ${IMPORTANCE.join(', ')}, got '${importance}'`);
  }
  const split = stringOption(args, 'split');
  if (split !== undefined && layer === 0) throw new InvalidArgumentError('split', '--split is the split decoder pair of --layer K (K ≥ 1)');
  const priorPath = stringOption(args, 'prior');
  const prior = priorPath ? await loadPriorFile(io, priorPath) : undefined;
  const saveTokens = stringOption(args, 'save-tokens');
  if (saveTokens !== undefined && noPrune) throw new InvalidArgumentError('save-tokens', '--save-tokens saves the pruning input; it cannot be combined with --no-prune');
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
            ...(importance ? { importance: importance as (typeof IMPORTANCE)[number] } : {}),
            ...(split ? { split } : {}),
            ...(prior ? { prior } : {}),
            ...(saveTokens ? { captureInputs: true } : {}),
            ...(layout === 'grid' ? { layout: 'grid' as const } : {}),
          },
    });
  } finally {
    await loaded.model.dispose();
  }
  if (saveTokens) {
    const first = result.report.images[0];
    if (!first) throw new InvalidArgumentError('save-tokens', 'the prompt held no image to save');
    await io.writeFile(saveTokens, tf.imageTokenFile(first, layer));
    io.err(`generate: saved image 0's pruning input (attention, features, keys, layout) → ${saveTokens}\n`);
  }
  const macs = result.report.macs;
  if (args.options.get('json') === true) {
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
}
