/**
 * The `parallel` slots (SPEC 3): how many procs run at once. A running proc holds one slot; while
 * it waits in `ctx.wait` it lends it out (once, however many waits are under way) and takes one
 * back after its last wait — before any new proc starts. A proc that ended meanwhile (a timeout
 * during the wait) takes none back. Each proc's slot is owned once: never released twice.
 */
import type { ProcNode } from '../graph/proc-node.ts';

export class Slots {
  /** Slots in use. */
  #used = 0;
  /** Procs that lent their slot and want it back; served before new procs. */
  #waiters: { node: ProcNode; resume: () => void }[] = [];

  /** Slots in use. */
  get used(): number {
    return this.#used;
  }

  /** Whether a slot is free under `parallel`. */
  free(parallel: number): boolean {
    return this.#used < parallel;
  }

  /** `node` starts: it holds a slot. */
  take(node: ProcNode): void {
    this.#used++;
    node.holdsSlot = true;
  }

  /** `node` ended: its slot (if it holds one) is free again. */
  release(node: ProcNode): void {
    if (!node.holdsSlot) return;
    node.holdsSlot = false;
    this.#used--;
  }

  /** A wait begins: the first of concurrent waits lends the slot; returns whether one was freed. */
  lend(node: ProcNode): boolean {
    if (node.lends++ > 0 || !node.holdsSlot) return false;
    this.release(node);
    return true;
  }

  /**
   * A wait ended: after the last one, a proc still running queues to take a slot back (served by
   * `serveWaiter` as slots free up). Resolves when it has one (at once if it needs none).
   */
  reclaim(node: ProcNode, queued: () => void): Promise<void> {
    if (--node.lends > 0 || node.state !== 'running' || node.holdsSlot) return Promise.resolve();
    return new Promise<void>((resume) => {
      this.#waiters.push({ node, resume });
      queued();
    });
  }

  /** Gives a free slot to the first proc waiting to take one back; `false` if none waits. */
  serveWaiter(): boolean {
    const w = this.#waiters.shift();
    if (!w) return false;
    // A proc that ended while it waited (timeout) takes no slot back.
    if (w.node.state === 'running') this.take(w.node);
    w.resume();
    return true;
  }
}
