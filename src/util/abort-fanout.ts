/**
 * Many short-lived listeners on one long-lived `AbortSignal` (a run's, heard by each of its
 * executions): one native listener per signal, and a set of callbacks behind it — adding and
 * removing a callback is a set operation, not an `addEventListener` per execution.
 */
const listeners = new WeakMap<AbortSignal, Set<() => void>>();

/** Calls `cb` once when `signal` aborts (at once if it has); returns the unsubscribe function. */
export function onAbort(signal: AbortSignal, cb: () => void): () => void {
  if (signal.aborted) {
    cb();
    return () => {};
  }
  let set = listeners.get(signal);
  if (set === undefined) {
    const callbacks = new Set<() => void>();
    listeners.set(signal, (set = callbacks));
    signal.addEventListener(
      'abort',
      () => {
        listeners.delete(signal);
        for (const f of callbacks) f();
        callbacks.clear();
      },
      { once: true },
    );
  }
  const mine = set;
  mine.add(cb);
  return () => {
    mine.delete(cb);
  };
}
