import { ShapeMismatchError, getAdapter, keptVisualTokens, visualToSequence, type ErrorJson, type ImageSize, type Matrix, type TokenLayout } from '@d2pruner/core';
import { concurrently, createJob, decode, prune, stage, type PruneJob } from '@d2pruner/pipeline';
import { defer, map, pipe, type OperatorFunction } from 'rxjs';

/** One image of a request as the serving code sees it. */
export interface AcmeFrame {
  id: string;
  image: ImageSize;
  /** The prompt's token ids, image placeholders expanded. */
  inputIds: number[];
  /** Hidden states of the image's candidate tokens [candidates, D]. */
  features: Matrix;
}

/** What the pipeline emits per frame, in input order. */
export interface AcmeResult {
  id: string;
  method?: string;
  /** Kept candidate indices. */
  keep?: number[];
  /** Sequence positions that stay (kept candidates plus their rows' row-end tokens). */
  sequence?: number[];
  error?: ErrorJson;
}

/** Options of {@link acmePruner}. */
export interface AcmePrunerOptions {
  adapter: string;
  method: string;
  keep: number;
  concurrency?: number;
}

/**
 * A hand-written stage, before `decode`: the request's features must have one row per candidate
 * of the adapter's layout (decode would only see that they disagree with the layout).
 */
function checkCandidates(layouts: Map<number, TokenLayout>): OperatorFunction<PruneJob, PruneJob> {
  return stage('checkCandidates', (job) => {
    const expected = layouts.get(job.index)!.candidates.length;
    const input = job.request.input;
    const rows = typeof input === 'object' && !(input instanceof Uint8Array) ? input.features?.rows : undefined;
    if (rows !== expected) throw new ShapeMismatchError('features', `features has ${rows} rows, the layout ${expected} candidates`);
    return {};
  });
}

/**
 * Frames in, results out: the adapter (looked up in core's registry) lays out each image, the
 * method (looked up by the pipeline's `prune` in the same registry) selects among its candidates,
 * and the adapter maps the selection back to sequence positions. Errors are values: a bad frame
 * yields a result with `error` and the stream goes on.
 */
export function acmePruner(options: AcmePrunerOptions): OperatorFunction<AcmeFrame, AcmeResult> {
  return (frames$) =>
    defer(() => {
      const adapter = getAdapter(options.adapter);
      const frames = new Map<number, AcmeFrame>();
      const layouts = new Map<number, TokenLayout>();
      return frames$.pipe(
        map((frame, index) => {
          const layout = adapter.layout(frame.image);
          frames.set(index, frame);
          layouts.set(index, layout);
          return createJob({ input: { features: frame.features, layout: layout.layout }, keep: options.keep, method: options.method, id: frame.id }, index);
        }),
        concurrently(pipe(checkCandidates(layouts), decode(), prune()), { concurrency: options.concurrency ?? 2 }),
        map((job): AcmeResult => {
          const frame = frames.get(job.index)!;
          const layout = layouts.get(job.index)!;
          frames.delete(job.index);
          layouts.delete(job.index);
          if (job.error || !job.selection) return { id: frame.id, error: job.error };
          const [span] = adapter.visualSpans(frame.inputIds);
          const sequence = visualToSequence(layout, span, keptVisualTokens(layout, job.selection.keep));
          return { id: frame.id, method: job.selection.method, keep: job.selection.keep, sequence };
        }),
      );
    });
}
