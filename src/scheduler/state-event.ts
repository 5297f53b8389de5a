/** The `proc-state` event of a proc that just changed state (the scheduler emits it). */
import type { ProcStateEvent } from '../events.ts';
import type { ProcNode } from '../graph/proc-node.ts';

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
