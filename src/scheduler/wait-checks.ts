/** Waits that could never end, refused up front with a `UserError` (SPEC 4). */
import { UserError } from '../errors.ts';
import { waitWouldCycle } from '../graph/cycles.ts';
import { isFinished, type ProcNode } from '../graph/proc-node.ts';

/**
 * Before anything is started: nothing runs while the CLI loads a task file (`held`), and a proc
 * keeps its wave open while it waits, so it cannot wait for a proc of a higher wave.
 */
export function checkWaitable(nodes: readonly ProcNode[], waiter: ProcNode | undefined, held: boolean): void {
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
export function checkWaitCycle(waiter: ProcNode, nodes: readonly ProcNode[], holder: (lock: string) => ProcNode | undefined): void {
  if (waitWouldCycle(waiter, nodes, holder)) {
    throw new UserError(
      `proc "${waiter.name}" waits for ${nodes.map((x) => `"${x.name}"`).join(', ')}, which cannot finish before "${waiter.name}" does (a wait cycle)`,
      'E_WAIT_CYCLE',
    );
  }
}
