/**
 * Watch mode's reruns: each proc's generation goes up, so late news of an older execution is
 * ignored. A finished proc goes back to idle, to be wanted again; a running one is stopped through
 * its execution's abort scope and is wanted again once it has ended (never two copies at once); a
 * wanted one is left as it is.
 */
import { isFinished, type ProcNode } from '../graph/proc-node.ts';
import type { SchedulerHost } from './host.ts';
import { transition } from './transition.ts';

/** Prepares `nodes` to run again; returns those to want now. */
export function prepareRerun(host: Pick<SchedulerHost, 'listening' | 'emit' | 'expectedMs'>, nodes: readonly ProcNode[]): ProcNode[] {
  const again: ProcNode[] = [];
  for (const n of nodes) {
    n.generation++;
    if (n.state === 'running') {
      n.restarting = true;
      n.execution?.abort(new Error('restarted: its inputs changed'));
    } else if (isFinished(n.state)) {
      transition(host, n, 'idle');
      again.push(n);
    } else if (n.state === 'idle') again.push(n);
  }
  return again;
}
