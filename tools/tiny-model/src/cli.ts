import { InvalidArgumentError, isD2PrunerError } from '@d2pruner/core';
import type { TinyModelOptions } from './options.js';
import { writeTinyModel, type TinyModelExtras } from './write.js';

/** Flags of the `tiny-model` command and the option each sets. */
const FLAGS: Record<string, keyof TinyModelOptions> = {
  seed: 'seed',
  hidden: 'hidden',
  layers: 'layers',
  heads: 'heads',
  intermediate: 'intermediate',
  'vision-hidden': 'visionHidden',
  'vision-layers': 'visionLayers',
  'vision-heads': 'visionHeads',
  'rope-theta': 'ropeTheta',
};

/** Usage of the `tiny-model` command. */
export const TINY_MODEL_USAGE = `usage: tiny-model DIR [--seed S] [--hidden H] [--layers L] [--heads N] [--intermediate M]
                  [--vision-hidden H] [--vision-layers L] [--vision-heads N] [--split K[,K…]] [--json]
Writes a random-weight tiny LLaVA (transformers.js layout, 336-px input, 576 visual tokens) into DIR;
--split K also writes the decoder split before layer K (DIR/split-kK/part_a.onnx, part_b.onnx, split.json).
`;

/** Parsed `tiny-model` arguments. */
export interface TinyModelArgs {
  /** Output directory. */
  dir: string;
  /** Generator options. */
  options: TinyModelOptions;
  /** Split pairs to write. */
  extras: TinyModelExtras;
  /** Print the summary as JSON. */
  json: boolean;
}

/** Parses `DIR [--flag value…] [--json]`; typed errors name the flag. */
export function parseTinyModelArgs(argv: readonly string[]): TinyModelArgs {
  const options: TinyModelOptions = {};
  const splitLayers: number[] = [];
  let dir: string | undefined;
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) {
      if (dir !== undefined) throw new InvalidArgumentError('dir', `one output directory expected, got '${dir}' and '${a}'`);
      dir = a;
      continue;
    }
    const [name, inline] = a.slice(2).split('=', 2);
    if (name === 'json') {
      json = true;
      continue;
    }
    if (name === 'split') {
      const raw = inline ?? argv[++i] ?? '';
      for (const part of raw.split(',')) {
        const k = Number(part);
        if (part.trim() === '' || !Number.isInteger(k)) throw new InvalidArgumentError('split', `--split expects layer numbers K[,K…], got '${raw}'`);
        splitLayers.push(k);
      }
      continue;
    }
    const key = FLAGS[name];
    if (!key) throw new InvalidArgumentError(name, `unknown option --${name}; options: ${Object.keys(FLAGS).map((f) => `--${f}`).join(', ')}, --split, --json`);
    const raw = inline ?? argv[++i];
    const v = Number(raw);
    if (raw === undefined || raw.trim() === '' || !Number.isFinite(v)) throw new InvalidArgumentError(name, `--${name} expects a number, got '${raw ?? ''}'`);
    options[key] = v;
  }
  if (!dir) throw new InvalidArgumentError('dir', 'tiny-model needs an output directory');
  return { dir, options, extras: { splitLayers }, json };
}

/** Runs the command; returns the exit code (0 ok, 2 bad arguments, 1 failure). */
export async function runTinyModelCli(argv: readonly string[], out: (t: string) => void = (t) => process.stdout.write(t), err: (t: string) => void = (t) => process.stderr.write(t)): Promise<number> {
  if (argv.length === 0 || argv.includes('--help') || argv.includes('-h')) {
    out(TINY_MODEL_USAGE);
    return argv.length === 0 ? 2 : 0;
  }
  try {
    const args = parseTinyModelArgs(argv);
    const summary = await writeTinyModel(args.dir, args.options, args.extras);
    if (args.json) out(JSON.stringify(summary) + '\n');
    else {
      const c = summary.config;
      const mb = Object.values(summary.files).reduce((a, b) => a + b, 0) / 1e6;
      out(`wrote ${summary.dir}: LLaVA (llama ${c.layers}×${c.hidden}, ${c.heads} heads; vision ${c.visionLayers}×${c.visionHidden}), ${summary.imageTokens} visual tokens, vocab ${summary.vocabSize}, seed ${c.seed}${Object.keys(summary.splits).length ? `, split at K = ${Object.keys(summary.splits).join(', ')}` : ''}, ${mb.toFixed(1)} MB\n`);
    }
    return 0;
  } catch (e) {
    if (isD2PrunerError(e)) {
      err(`tiny-model: error [${e.code}] ${e.field}: ${e.message}\n`);
      return 2;
    }
    err(`tiny-model: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}
