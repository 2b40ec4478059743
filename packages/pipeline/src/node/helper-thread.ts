import type { HelperThread } from '@d2pruner/core';
import { helperWorkerSource } from '@d2pruner/methods';
import { availableParallelism } from 'node:os';
import { isMainThread, Worker } from 'node:worker_threads';

/** The helper worker once started (null: it failed to start, or exited). */
let worker: Worker | null | undefined;

/** The handle {@link helperThread} returns (one per process). */
const handle: HelperThread = {
  post(message) {
    if (worker === undefined) worker = startHelper();
    worker?.postMessage(message);
  },
};

/**
 * The process's helper thread for methods that can use a second core within one request
 * (CDPruner's screen helper: `MethodContextBase.helper`). The worker starts on the first message
 * (a method posts only for requests large enough to gain) and is unref'd: it never keeps the
 * process alive. Undefined on a machine with one core or off the main thread (a worker of a pool
 * that fills the cores runs each request on one thread). Where the worker fails to start or
 * exits, messages go nowhere: a method's job is never started, and it does all the work itself.
 * Pass it as the batch's or the prune stage's `helper` where requests run on the main thread.
 */
export function helperThread(): HelperThread | undefined {
  return isMainThread && availableParallelism() >= 2 ? handle : undefined;
}

/** Starts the helper worker; null when it cannot start. */
function startHelper(): Worker | null {
  try {
    const started = new Worker(helperWorkerSource(), { eval: true, name: 'd2pruner-helper' });
    started.unref();
    const gone = () => {
      if (worker === started) worker = null;
    };
    started.on('error', gone);
    started.on('exit', gone);
    return started;
  } catch {
    return null;
  }
}
