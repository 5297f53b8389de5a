/**
 * Procs that end without having started — canceled by a failure upstream (`failed-dep`), or
 * interrupted while they waited — are shown by name up to `UNSTARTED_SHOWN` per run, and the rest
 * as one line before the summary: a failing root of 2,000 dependents printed 2,000 lines that
 * said the same. The summary's counts still include every one; `--json` and events name each.
 */
import pc from './colors.ts';
import type { ProcStateEvent } from '../events.ts';

/** End lines of procs that never started, shown by name per run. */
export const UNSTARTED_SHOWN = 10;

/** Whether `e` ends a proc that never started. */
export function unstarted(e: Pick<ProcStateEvent, 'state' | 'error' | 'durationMs'>): boolean {
  return e.state === 'failed-dep' || (e.state === 'failed' && e.error === 'interrupted' && e.durationMs === null);
}

/** Counts one run's procs that never started: which to show, and a line for the others. */
export class UnstartedLines {
  #seen = 0;

  reset(): void {
    this.#seen = 0;
  }

  /** Whether the end line of `e` is shown (always, unless it is one unstarted proc too many). */
  show(e: Pick<ProcStateEvent, 'state' | 'error' | 'durationMs'>): boolean {
    return !unstarted(e) || ++this.#seen <= UNSTARTED_SHOWN;
  }

  /** The line for those not shown, or `null`. */
  rest(): string | null {
    const hidden = this.#seen - UNSTARTED_SHOWN;
    return hidden > 0 ? pc.red(`🚫 … and ${hidden.toLocaleString('en-US')} more that did not start (canceled or interrupted)`) : null;
  }
}
