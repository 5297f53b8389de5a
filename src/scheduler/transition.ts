/**
 * A proc's state change (the only place states change) and the `proc-state` event it emits; a
 * proc that finished wakes whoever waits for its end.
 */
import type { ProcStateEvent } from '../events.ts';
import { isFinished, type ProcNode } from '../graph/proc-node.ts';
import type { ProcError, ProcState } from '../types.ts';
import type { SchedulerHost } from './host.ts';

/** Validates the move, stamps start and end times, emits the event and wakes end waiters. */
export function transition(host: Pick<SchedulerHost, 'listening' | 'emit' | 'expectedMs'>, node: ProcNode, to: ProcState, error: ProcError = null, moreInfo: string | null = null): void {
  node.transition(to);
  node.error = error;
  node.moreInfo = moreInfo;
  const now = Date.now();
  if (to === 'running') node.startedAt = now;
  else if (to !== 'wanted' && to !== 'idle') node.endedAt = now;
  if (host.listening()) host.emit(stateEvent(node, now, to === 'running' ? (host.expectedMs?.(node) ?? null) : null));
  if (isFinished(to)) {
    node.completedGeneration = node.generation;
    const waiters = node.endWaiters;
    node.endWaiters = null;
    if (waiters) for (const w of waiters) w();
  }
}

export function stateEvent(node: ProcNode, at: number, expectedMs: number | null): ProcStateEvent {
  const to = node.state;
  return {
    type: 'proc-state',
    at,
    name: node.name,
    state: to,
    error: node.error,
    moreInfo: node.moreInfo,
    logFile: to === 'running' || ((node.executed || node.cacheSource === 'remote') && node.logCreated) ? node.logFile : null,
    durationMs: to !== 'running' && node.startedAt !== null && node.endedAt !== null && to !== 'failed-dep' ? node.endedAt - node.startedAt : null,
    expectedMs,
    outputBytes: (to === 'succeeded' || to === 'failed' || to === 'skipped') && node.executed ? node.outputBytes : null,
    cache: to === 'up-to-date' ? node.cacheSource : null,
  };
}
