/** What a pending `next()` loses its race to: the next turn of the event loop. */
const LATER = Symbol('later');

/** The iterator's next result as a promise: one that throws gives a rejected promise. */
function nextOf<T>(it: AsyncIterator<T> | Iterator<T>): Promise<IteratorResult<T>> {
  try {
    return Promise.resolve(it.next());
  } catch (e) {
    return Promise.reject(e);
  }
}

function nextTurn(): Promise<typeof LATER> {
  return new Promise((resolve) => setImmediate(resolve, LATER));
}

/** Bounds on a group of {@link readyChunks} beyond its item count. */
export interface ChunkLimit<T> {
  /** An item's weight (e.g. a line's length). */
  weight: (item: T) => number;
  /** A group closes once its items weigh this much (its first item is always taken). */
  max: number;
}

/**
 * Groups the items of `source` into arrays of at most `sizeOf(k)` items (k = 0, 1, … the group's
 * number), taking into a group only the items that are ready: once a group has one item, the
 * next is added only when the source gives it before the event loop turns (a line already read
 * from the file). A slow source — requests typed or piped one at a time — thus gets groups of
 * one, and its results do not wait for lines that have not come yet. With `limit`, a group also
 * closes once its items weigh `limit.max`, so groups of long lines hold no more memory than one
 * such line. A source that fails ends the group being filled, which is yielded; the failure is
 * thrown at the next pull, so no item read before it is lost. Closing the generator closes the
 * source.
 */
export async function* readyChunks<T>(
  source: AsyncIterable<T> | Iterable<T>,
  sizeOf: (k: number) => number,
  limit?: ChunkLimit<T>,
): AsyncGenerator<T[], void, undefined> {
  const it: AsyncIterator<T> | Iterator<T> = Symbol.asyncIterator in source ? (source as AsyncIterable<T>)[Symbol.asyncIterator]() : (source as Iterable<T>)[Symbol.iterator]();
  let pending: Promise<IteratorResult<T>> | undefined;
  let done = false;
  try {
    for (let k = 0; ; k++) {
      const first = await (pending ?? it.next());
      pending = undefined;
      if (first.done) {
        done = true;
        return;
      }
      const chunk = [first.value];
      const size = sizeOf(k);
      let weight = limit ? limit.weight(first.value) : 0;
      while (chunk.length < size && !(limit && weight >= limit.max)) {
        const next = nextOf(it);
        // a read that fails ends the group: its items go out, and the failure comes at the next pull
        const r = await Promise.race([next, nextTurn()]).catch((): typeof LATER => LATER);
        if (r === LATER) {
          pending = next;
          break;
        }
        if (r.done) {
          done = true;
          break;
        }
        chunk.push(r.value);
        if (limit) weight += limit.weight(r.value);
      }
      yield chunk;
      if (done) return;
    }
  } finally {
    // a read still pending is left to settle on its own: waiting for it (stdin) could hang
    if (!done && !pending) await it.return?.();
    else if (!done) void Promise.resolve(it.return?.()).catch(() => undefined);
  }
}

/**
 * Group sizes that start at one line and double every `concurrency` groups up to `max`: the
 * first groups spread a short batch over every worker, later ones carry less hand-over per line.
 */
export function doublingSizes(concurrency: number, max: number): (k: number) => number {
  return (k) => Math.min(max, 2 ** Math.floor(k / concurrency));
}
