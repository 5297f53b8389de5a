/**
 * Waiting for procs (`wait`, `ctx.wait`; SPEC 4): waits that could never end are refused up front
 * with a `UserError`, and a waiting proc lends its parallel slot out until the waited procs ended.
 */
import { ProcessError, UserError } from '../errors.ts';
import { waitWouldCycle } from '../graph/cycles.ts';
import { isFailure, isFinished, type ProcNode } from '../graph/proc-node.ts';
import type { Slots } from './slots.ts';

/** What a wait needs of the scheduler. */
export interface WaitHost {
  /** Nothing runs yet (the CLI loads a task file). */
  held(): boolean;
  /** Makes idle procs wanted. */
  want(nodes: readonly ProcNode[]): void;
  /** Runs the scheduler now; throws an error a deferred start left. */
  flush(): void;
  /** The proc holding a lock, if any. */
  holder(lock: string): ProcNode | undefined;
  slots: Slots;
  /** Starts what may start (a lent slot is free). */
  pump(): void;
}

/**
 * Starts idle procs among `nodes`, waits for all to end; `ProcessError` if any failed. `waiter`
 * is the proc waiting (`ctx.wait`): checked for waits that could never end (a higher wave, a
 * cycle through deps, other waits and locks), and its parallel slot is lent out meanwhile.
 */
export async function waitFor(h: WaitHost, nodes: readonly ProcNode[], waiter?: ProcNode): Promise<void> {
  checkWaitable(nodes, waiter, h.held());
  const idle = nodes.filter((n) => n.state === 'idle');
  if (idle.length > 0) h.want(idle);
  h.flush();
  if (waiter) checkWaitCycle(waiter, nodes, h.holder);
  if (waiter && nodes.some((n) => !isFinished(n.state))) {
    waiter.waitingFor.push(nodes);
    if (h.slots.lend(waiter)) h.pump();
    try {
      await whenEnded(nodes);
    } finally {
      waiter.waitingFor.splice(waiter.waitingFor.indexOf(nodes), 1);
      await h.slots.reclaim(waiter, h.pump);
    }
  } else {
    await whenEnded(nodes);
  }
  const failed = nodes.filter((n) => isFailure(n.state)).map((n) => n.name);
  if (failed.length > 0) throw new ProcessError(failed);
}

/** Resolves once every proc in `nodes` has finished. */
function whenEnded(nodes: readonly ProcNode[]): Promise<unknown> {
  return Promise.all(nodes.map((n) => (isFinished(n.state) ? undefined : new Promise<void>((r) => (n.endWaiters ??= []).push(r)))));
}

/**
 * Before anything is started: nothing runs while the CLI loads a task file (`held`), and a proc
 * keeps its wave open while it waits, so it cannot wait for a proc of a higher wave.
 */
function checkWaitable(nodes: readonly ProcNode[], waiter: ProcNode | undefined, held: boolean): void {
  if (held && nodes.some((n) => !isFinished(n.state))) {
    throw new UserError(
      `wait(${nodes.map((n) => `"${n.name}"`).join(', ')}): procs do not run while the parproc CLI loads the task file; register them at top level and name them as targets (or give them now: true)`,
      'E_HELD',
    );
  }
  if (!waiter) return;
  const higher = nodes.find((n) => !isFinished(n.state) && n.wave > waiter.wave);
  if (higher) {
    throw new UserError(
      `proc "${waiter.name}" (wave ${waiter.wave}) cannot wait for proc "${higher.name}" (wave ${higher.wave}): a proc may only wait for procs of its own or a lower wave`,
      'E_WAVE',
    );
  }
}

/** Once the waited procs are wanted: a cycle through deps, other waits and lock holders. */
function checkWaitCycle(waiter: ProcNode, nodes: readonly ProcNode[], holder: (lock: string) => ProcNode | undefined): void {
  if (waitWouldCycle(waiter, nodes, holder)) {
    throw new UserError(
      `proc "${waiter.name}" waits for ${nodes.map((x) => `"${x.name}"`).join(', ')}, which cannot finish before "${waiter.name}" does (a wait cycle)`,
      'E_WAIT_CYCLE',
    );
  }
}
