/**
 * The ranking of one run: FIFO until the first proc that must run, then ready procs ranked from
 * history (critical path, failures first; `priority.ts`). Ranking only orders procs that run, so
 * a run where everything is up to date never reads the history or ranks anything.
 */
import type { ProcNode } from '../graph/proc-node.ts';
import { Priorities, type History } from './priority.ts';
import type { ReadyQueue } from './ready-queue.ts';

export class Ranking {
  #queue: ReadyQueue;
  #history: (() => History | null) | undefined;
  #failedFirst: () => boolean;
  #priorities: Priorities | null = null;
  /** No proc of this run had to run yet. */
  #pending = false;

  constructor(queue: ReadyQueue, history: (() => History | null) | undefined, failedFirst: () => boolean) {
    this.#queue = queue;
    this.#history = history;
    this.#failedFirst = failedFirst;
  }

  /** A run starts: FIFO for now. */
  reset(): void {
    this.#priorities = null;
    this.#queue.setRank(null);
    this.#pending = this.#history !== undefined;
  }

  /** Procs or edges were added: remaining paths change. */
  invalidate(): void {
    this.#priorities?.invalidate();
  }

  /**
   * `node` (popped in FIFO order) must run. For the run's first such proc, ranking starts and
   * `node` goes back into the queue, first among its equals, so the best ranked goes first:
   * `true` then (the caller starts nothing now). While every wanted proc fits in the free slots
   * (`contended` false) order cannot matter: the history is not read yet.
   */
  mustRun(node: ProcNode, contended: boolean): boolean {
    if (!contended || !this.#activate()) return false;
    node.lookedUp = true; // checked: it runs without another check
    this.#queue.unshift(node);
    return true;
  }

  /** A lookup in the remote cache started: the run has procs to order from now on. */
  lookupStarted(): void {
    this.#activate();
  }

  /** Starts ranking if this run has not yet: `true` if it starts now with some history to use. */
  #activate(): boolean {
    if (!this.#pending) return false;
    this.#pending = false;
    const history = this.#history?.() ?? null;
    const p = history ? new Priorities(history, this.#failedFirst()) : null;
    if (!p?.active) return false;
    this.#priorities = p;
    this.#queue.setRank((n) => p.rank(n));
    return true;
  }
}
