/**
 * Timers for user durations. `setTimeout` takes at most 2^31 − 1 ms (about 24.8 days) and fires a
 * longer delay at once (with a warning): a `timeout: '30d'` failed its proc in a millisecond.
 */

/** The longest delay one `setTimeout` waits. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** A pending call: `clear()` cancels it. */
export interface Timer {
  clear(): void;
}

/** Calls `fn` after `ms` milliseconds, however long: past the limit, it waits in steps. */
export function after(ms: number, fn: () => void): Timer {
  let handle: ReturnType<typeof setTimeout>;
  const arm = (left: number): void => {
    handle = left > MAX_TIMER_MS ? setTimeout(() => arm(left - MAX_TIMER_MS), MAX_TIMER_MS) : setTimeout(fn, Math.max(0, left));
  };
  arm(ms);
  return { clear: () => clearTimeout(handle) };
}
