import { InvalidInputError, MissingTensorError, layoutToJson, modelKey, toErrorJson, writeSafetensors, type ErrorJson, type Layout } from '@d2pruner/core';
import { PriorAccumulator } from '@d2pruner/scoring';
import { firstValueFrom, reduce, type OperatorFunction } from 'rxjs';
import { runStagesOnce } from './concurrency/jobs.js';
import { pullMap, type PullOptions } from './concurrency/pull.js';
import { createJob, type PruneJob, type PruneSource } from './job.js';
import { decode, type FileReader } from './operators/decode.js';

/** Options of {@link calibrate}. */
export interface CalibrateOptions extends PullOptions {
  /**
   * Adapter id stored with the prior; default: the first averaged input's `d2pruner.model`.
   * Inputs that record another model are skipped (field `model`): a prior belongs to one model.
   */
  model?: string;
  /**
   * Layer K whose attention is averaged, stored with the prior; default: the first averaged
   * input's `d2pruner.layer`. Inputs that record another layer are skipped (field `layer`).
   */
  layer?: number;
  /** Reads inputs given as paths (Node: `nodeReadFile`). */
  readFile?: FileReader;
  /** Layout for inputs that carry none and are not square (`--grid`). */
  layout?: Layout;
  /** Only average inputs with this layout signature; default: the first usable input's. */
  layoutSignature?: string;
  /** Called for each input that is not averaged in, as it happens (e.g. a line on stderr). */
  onSkip?: (skipped: SkippedInput) => void;
  /**
   * Replaces the per-input `decode` (e.g. a worker pool's `attentionStage`): must emit each job
   * once with `input.attention` (and `model`, `layer`) and `layout` set, or with `error`.
   */
  stages?: OperatorFunction<PruneJob, PruneJob>;
}

/** An input that calibration reported instead of averaging in. */
export interface SkippedInput {
  /** Position of the input. */
  index: number;
  /** Its path, when it was given as one. */
  path?: string;
  /** Why: `layout` (another layout), `model` (another model), `layer` (another layer), `attention` (missing or invalid), or a read / decode error. */
  error: ErrorJson;
}

/** A calibrated prior (docs/algorithm.md §6) and what went into it. */
export interface CalibrationResult {
  /** Mean attention per position b [N]. */
  prior: Float32Array;
  /** Inputs averaged. */
  samples: number;
  /** Layout signature the prior is keyed by. */
  layoutSignature: string;
  /** The layout of the averaged inputs. */
  layout: Layout;
  /** Adapter id, when known. */
  model?: string;
  /** Layer, when given or recorded by the averaged inputs. */
  layer?: number;
  /** Inputs not averaged in, with the reason. */
  skipped: SkippedInput[];
}

interface Acc {
  acc: PriorAccumulator;
  layout?: Layout;
  model?: string;
  layer?: number;
  skipped: SkippedInput[];
}

function absorb(s: Acc, job: PruneJob, options: CalibrateOptions): void {
  const path = typeof job.request.input === 'string' ? job.request.input : undefined;
  const skip = (error: ErrorJson) => {
    const entry: SkippedInput = path === undefined ? { index: job.index, error } : { index: job.index, path, error };
    s.skipped.push(entry);
    options.onSkip?.(entry);
  };
  const { input, layout, error } = job;
  if (error) return skip(error);
  if (!input?.attention) return skip(new MissingTensorError('attention', 'calibration').toJSON());
  if (!layout) return skip(new InvalidInputError('layout', 'the input carries no layout and N is not square; pass a layout').toJSON());
  // a zero-token input has no positions to average, and as the first input it would fix an empty layout
  if (input.attention.length === 0) return skip(new InvalidInputError('attention', 'the input has no visual tokens; a prior is averaged over inputs with at least one').toJSON());
  // a prior belongs to one model (docs/algorithm.md §6): the given one, else the first averaged input's
  const model = options.model ?? s.model;
  if (input.model !== undefined && model !== undefined && modelKey(input.model) !== modelKey(model)) {
    return skip(new InvalidInputError('model', `the input was recorded with model ${input.model}, the prior is for ${model}; a prior averages inputs of one model`).toJSON());
  }
  // and to one layer: the given one, else the first averaged input's
  const layer = options.layer ?? s.layer;
  if (input.layer !== undefined && layer !== undefined && input.layer !== layer) {
    return skip(new InvalidInputError('layer', `the input was recorded at layer ${input.layer}, the prior is for layer ${layer}; a prior averages inputs of one layer`).toJSON());
  }
  try {
    s.acc.add(input.attention, layout);
  } catch (e) {
    return skip(toErrorJson(e));
  }
  s.layout ??= layout;
  s.model ??= input.model;
  s.layer ??= input.layer;
}

/**
 * `d2pruner calibrate`: the streaming mean of `attention` per position over inputs that share
 * one layout, one model and one layer (scoring's `PriorAccumulator`; memory O(N) whatever the
 * number of inputs). Inputs are read and decoded with bounded concurrency and in order; an input
 * with another layout, another recorded `d2pruner.model` (than `model`, else the first averaged
 * input's), another recorded `d2pruner.layer` (than `layer`, else the first averaged input's),
 * no attention, or a read / decode error is reported in `skipped` (and to `onSkip`), never
 * averaged in. The prior records `model` and `layer`, else those of the averaged inputs. Rejects with a typed error when no input could be averaged.
 */
export async function calibrate(inputs: AsyncIterable<PruneSource> | Iterable<PruneSource>, options: CalibrateOptions = {}): Promise<CalibrationResult> {
  const stages = options.stages ?? decode({ readFile: options.readFile, layout: options.layout });
  // one result per input, as every other entry point (custom stages that emit twice fail that input)
  const jobs$ = pullMap(inputs, (input, index) => runStagesOnce(createJob(input, index), stages), options);
  const seed: Acc = { acc: new PriorAccumulator(options.layoutSignature), skipped: [] };
  const state = await firstValueFrom(
    jobs$.pipe(
      reduce((s: Acc, job: PruneJob) => {
        try {
          absorb(s, job, options);
        } finally {
          // the attention is summed (copied) now: a pooled read buffer goes back to its pool
          job.release?.();
        }
        return s;
      }, seed),
    ),
  );
  if (state.layout === undefined && state.skipped.length > 0) {
    // nothing was averaged: say why the inputs were skipped rather than that none had attention
    const first = state.skipped[0];
    throw new InvalidInputError('input', `no input could be averaged: all ${state.skipped.length} were skipped (the first${first.path ? `, ${first.path}` : ''}: [${first.error.code}] ${first.error.field}: ${first.error.message})`);
  }
  const result = state.acc.result();
  const out: CalibrationResult = { ...result, layout: state.layout as Layout, skipped: state.skipped };
  const model = options.model ?? state.model;
  if (model !== undefined) out.model = model;
  const layer = options.layer ?? state.layer;
  if (layer !== undefined) out.layer = layer;
  return out;
}

/**
 * The prior file of docs/formats.md §1: tensor `prior` [N] with metadata `d2pruner.model`,
 * `d2pruner.layer`, `d2pruner.layoutSignature`, `d2pruner.samples`, plus `d2pruner.layout`.
 */
export function priorFileBytes(result: CalibrationResult): Uint8Array {
  return writeSafetensors(
    { prior: { shape: [result.prior.length], data: result.prior } },
    {
      'd2pruner.model': result.model ?? 'unknown',
      'd2pruner.layer': result.layer === undefined ? '' : String(result.layer),
      'd2pruner.layoutSignature': result.layoutSignature,
      'd2pruner.samples': String(result.samples),
      'd2pruner.layout': JSON.stringify(layoutToJson(result.layout)),
    },
  );
}
