/**
 * Interactive procs have the terminal (SPEC 10): one runs alone, and once one is ready, nothing
 * new starts until the running procs have ended and it has run.
 */
import type { ProcNode } from '../graph/proc-node.ts';

export class InteractiveGate {
  /** The interactive proc running: nothing else starts. */
  #running: ProcNode | null = null;
  /** Interactive procs ready to run, waiting for the running ones to end. */
  #waiting: ProcNode[] = [];

  /** Whether nothing new may start: an interactive proc runs. */
  get closed(): boolean {
    return this.#running !== null;
  }

  /** The first interactive proc waiting to start, if any. */
  get next(): ProcNode | undefined {
    return this.#waiting[0];
  }

  /** Removes the first waiting proc (`next`: it starts now, nothing else runs). */
  take(): void {
    this.#waiting.shift();
  }

  /** `node` is interactive and ready while others run: it waits for them. */
  park(node: ProcNode): void {
    this.#waiting.push(node);
  }

  /** `node` starts: an interactive one closes the gate. */
  started(node: ProcNode): void {
    if (node.opts.interactive) this.#running = node;
  }

  /** `node` ended: the gate opens if it was the one running. */
  ended(node: ProcNode): void {
    if (this.#running === node) this.#running = null;
  }

  /** Takes every waiting proc (they end without running: an interrupt or fail-fast). */
  drain(): ProcNode[] {
    return this.#waiting.splice(0);
  }

  reset(): void {
    this.#running = null;
    this.#waiting = [];
  }
}
