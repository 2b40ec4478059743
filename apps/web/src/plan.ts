import type { MethodParams } from '@d2pruner/core';
import { concatMap, defer, from, map, timer, toArray, type Observable } from 'rxjs';
import { abortable } from './abortable.js';
import { describeNeeds, tensorNeeds } from './needs.js';
import { runInPage, runOnServer, type RunOutcome, type RunTarget } from './run.js';
import type { Scene } from './scene.js';

/** One click of Prune: the scene, the budget, and which methods run where. */
export interface RunPlan {
  scene: Scene;
  keep: number;
  methods: string[];
  targets: RunTarget[];
  params(method: string): MethodParams;
  /** Why a target cannot run here (no WebGPU adapter), or undefined when it can. */
  unavailable(target: RunTarget): string | undefined;
  /** Called before each run, e.g. for the status line. */
  onStart?(method: string, target: RunTarget): void;
  /** Called when the server answered 503 with `Retry-After` and the run waits `seconds` before retrying. */
  onRetry?(method: string, seconds: number, attempt: number): void;
}

/** The runs of one method: outcomes, targets skipped with the reason, and their order. */
export interface MethodResult {
  method: string;
  outcomes: RunOutcome[];
  skipped: { target: RunTarget; reason: string }[];
}

function runOne(plan: RunPlan, method: string, params: MethodParams, target: RunTarget): Observable<RunOutcome> {
  return abortable((signal) =>
    target === 'server'
      ? runOnServer(plan.scene, method, plan.keep, params, fetch, signal, (seconds, attempt) => plan.onRetry?.(method, seconds, attempt))
      : runInPage(plan.scene, method, plan.keep, params, target, signal),
  );
}

/**
 * Every chosen method on every chosen target, one method after the other, each run cancellable:
 * unsubscribing (a `switchMap` moving to a newer job) aborts the run in flight and nothing more
 * is emitted. A method whose tensors the scene lacks is not run; the result says which it needs.
 * Each run starts on a new task, so the page paints and takes clicks between runs; every method's
 * parameters are read once, before the first run (an edit made meanwhile waits for the next plan),
 * so all targets of a method run with the same parameters and an invalid one fails before any run.
 */
export function runPlan(plan: RunPlan): Observable<MethodResult> {
  return defer(() => {
    const params = new Map(plan.methods.map((m) => [m, plan.params(m)]));
    return runMethods(plan, params);
  });
}

function runMethods(plan: RunPlan, params: ReadonlyMap<string, MethodParams>): Observable<MethodResult> {
  return from(plan.methods).pipe(
    concatMap((method) => {
      const needs = tensorNeeds(method, plan.scene.input);
      if (needs.missing.length) {
        const reason = describeNeeds(method, plan.scene.name, needs);
        return [{ method, outcomes: [], skipped: plan.targets.map((target) => ({ target, reason })) }];
      }
      const runnable = plan.targets.filter((t) => !plan.unavailable(t));
      const skipped = plan.targets.flatMap((target) => {
        const reason = plan.unavailable(target);
        return reason ? [{ target, reason }] : [];
      });
      return from(runnable).pipe(
        concatMap((target) => timer(0).pipe(concatMap(() => (plan.onStart?.(method, target), runOne(plan, method, params.get(method) ?? {}, target))))),
        toArray(),
        map((outcomes) => ({ method, outcomes, skipped })),
      );
    }),
  );
}
