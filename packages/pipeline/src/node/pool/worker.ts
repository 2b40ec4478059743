/**
 * The pool's worker: runs one {@link PoolTask} per call on this thread — a whole prune request
 * (reading a path here, decoding, the method), consecutive batch lines written as result lines
 * (long ones as bytes), every evaluation run on one labelled file, or the attention-only decode
 * of calibration — and moves the typed arrays of its result back to the caller without copying.
 * Loaded by piscina; importing it has no side effects.
 * @packageDocumentation
 */
import { resolve } from 'node:path';
import { toErrorJson } from '@d2pruner/core';
import { move, transferableSymbol, valueSymbol } from 'piscina';
import { lastValueFrom, of, toArray } from 'rxjs';
import { batchStages, jobResult, lineJob, type BatchResult } from '../../batch/batch.js';
import { portableResult } from '../../batch/line-result.js';
import { evaluateOutcomes } from '../../eval/pipeline.js';
import { createJob, type PruneJob } from '../../job.js';
import { decode } from '../../operators/decode.js';
import { nodeReadFile, pooledReadFile } from '../index.js';
import { ReadBufferPool } from '../read-buffers.js';
import {
  buffersOf,
  onWorkerBackend,
  transferables,
  withOwnArrays,
  type AttentionOutcome,
  type AttentionTask,
  type CallerLine,
  type EvalFileOutcome,
  type EvalFileTask,
  type LinesOutcome,
  type LinesTask,
  type PoolTask,
  type PruneOutcome,
  type PruneTask,
} from './task.js';

let buffers: ReadBufferPool | undefined;

/** The batch stages of this thread: files read into its pooled buffers, the task's defaults. */
function workerStages(defaults: PruneTask['defaults']) {
  buffers ??= new ReadBufferPool();
  return batchStages({ readFile: pooledReadFile(buffers, { sync: true }), ...defaults });
}

async function runPrune(task: PruneTask): Promise<PruneOutcome> {
  const stages = workerStages(task.defaults);
  const job: PruneJob = await lastValueFrom(of(createJob(task.request, 0)).pipe(stages));
  const out: PruneOutcome = { timings: { ...job.timings } };
  if (job.budget !== undefined) out.budget = job.budget;
  if (job.selection) out.selection = job.release ? withOwnArrays(job.selection, buffersOf(job.input)) : job.selection;
  if (job.error) out.error = job.error;
  job.release?.();
  return out;
}

async function runLines(task: LinesTask): Promise<LinesOutcome> {
  const { baseDir, defaults } = task;
  const stages = workerStages(defaults);
  const resolvePath = (p: string): string => (baseDir === undefined ? p : resolve(baseDir, p));
  const results: (BatchResult | CallerLine)[] = [];
  for (const item of task.lines) {
    const job = lineJob(item, item.index, resolvePath);
    if ('text' in job) results.push(job);
    else if (!onWorkerBackend(job.request, defaults)) results.push({ index: item.index, line: item.line, onCaller: true });
    else results.push(portableResult(await lastValueFrom(jobResult(job, item.line, stages))));
  }
  return { results, timings: {} };
}

async function runEvalFile(task: EvalFileTask): Promise<EvalFileOutcome> {
  const outcomes = await lastValueFrom(evaluateOutcomes([{ name: task.name, bytes: task.bytes }], { runs: task.runs, ...task.options }).pipe(toArray()));
  return { outcomes, timings: {} };
}

async function runAttention(task: AttentionTask): Promise<AttentionOutcome> {
  const job: PruneJob = await lastValueFrom(of(createJob(task.input, 0)).pipe(decode({ readFile: nodeReadFile, layout: task.layout })));
  if (job.error) return { timings: { ...job.timings }, error: job.error };
  const input = job.input ?? {};
  const out: AttentionOutcome = { timings: { ...job.timings }, input: { attention: input.attention, model: input.model, layer: input.layer, layout: input.layout } };
  if (job.layout) out.layout = job.layout;
  return out;
}

function movable<T extends object>(value: T): T {
  const list = transferables(value, 4);
  const wrapped = { [transferableSymbol]: list, [valueSymbol]: value } as unknown as Parameters<typeof move>[0];
  return move(wrapped) as unknown as T;
}

/** Runs one task; a failure of the request is its `error`, never a rejection. */
export default async function runTask(task: PoolTask): Promise<PruneOutcome | AttentionOutcome | LinesOutcome | EvalFileOutcome> {
  if (task.kind === 'ping') return { timings: {} };
  try {
    if (task.kind === 'lines') return movable(await runLines(task));
    if (task.kind === 'eval') return movable(await runEvalFile(task));
    return movable(task.kind === 'attention' ? await runAttention(task) : await runPrune(task));
  } catch (e) {
    return { timings: {}, error: toErrorJson(e) };
  }
}
