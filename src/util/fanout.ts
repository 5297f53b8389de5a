/**
 * Many short-lived listeners on one long-lived source — a run's `AbortSignal`, heard by each of
 * its executions; a pooled worker's end, watched by each job it runs: one native subscription per
 * source, and a set of callbacks behind it. Adding and removing a callback is a set operation, not
 * an `addEventListener` or a promise reaction per listener, and a callback removed is let go (a
 * reaction per job on a worker's end kept every job's closures alive as long as the worker).
 */

/** Builds `on(source, cb)` for sources that `subscribe` hears once. */
function fanout<S extends object, A>(subscribe: (source: S, fire: (arg: A) => void) => void): (source: S, cb: (arg: A) => void) => () => void {
  const sets = new WeakMap<S, Set<(arg: A) => void>>();
  return (source, cb) => {
    let set = sets.get(source);
    if (set === undefined) {
      const callbacks = new Set<(arg: A) => void>();
      sets.set(source, (set = callbacks));
      subscribe(source, (arg) => {
        sets.delete(source);
        for (const f of callbacks) f(arg);
        callbacks.clear();
      });
    }
    const mine = set;
    mine.add(cb);
    return () => {
      mine.delete(cb);
    };
  };
}

const abortFanout = fanout<AbortSignal, void>((signal, fire) => signal.addEventListener('abort', () => fire(), { once: true }));

/** Calls `cb` once when `signal` aborts (at once if it has); returns the unsubscribe function. */
export function onAbort(signal: AbortSignal, cb: () => void): () => void {
  if (signal.aborted) {
    cb();
    return () => {};
  }
  return abortFanout(signal, cb);
}

/** Calls `cb` with what `source.gone` settles with (a worker's or child's exit code); returns the unsubscribe function. */
export const onGone: <T>(source: { readonly gone: Promise<T> }, cb: (value: T) => void) => () => void = fanout<{ readonly gone: Promise<unknown> }, unknown>((source, fire) => {
  void source.gone.then(fire);
}) as never;
