/**
 * A run (SPEC 3): from the first proc wanted while nothing was active to the moment nothing is
 * wanted or running. It has its own abort scope (an interrupt ends this run, not the manager), its
 * start time, its count of failures and the callers waiting for its end.
 */
export class RunScope {
  #controller = new AbortController();
  /** Under way: procs are wanted or running, or the run's end has not been reported yet. */
  active = false;
  startedAt = 0;
  /** Procs that ended failed (or failed-dep) in this run. */
  failures = 0;
  #endWaiters: (() => void)[] = [];

  /** This run's signal; aborted by `interrupt()`. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  get aborted(): boolean {
    return this.#controller.signal.aborted;
  }

  /** A run begins; an aborted scope (the last run's, or an interrupt between runs) is replaced. */
  begin(now: number): void {
    this.active = true;
    if (this.aborted) this.#controller = new AbortController();
    this.startedAt = now;
    this.failures = 0;
  }

  /** Aborts this run's scope; `false` if it was aborted already. */
  abort(): boolean {
    if (this.aborted) return false;
    this.#controller.abort(new Error('interrupted'));
    return true;
  }

  /** Resolves once the run has ended (`end`'s waiters are called). */
  ended(): Promise<void> {
    return new Promise<void>((r) => this.#endWaiters.push(r));
  }

  /**
   * The run is over: `hooks` run (the end of a run's work: the task DB's last write), then the
   * callers waiting for its end resume — once the hooks' promise settles, when they return one.
   */
  end(hooks: () => unknown): void {
    this.active = false;
    const waiters = this.#endWaiters;
    this.#endWaiters = [];
    const done = hooks();
    const resume = () => {
      for (const w of waiters) w();
    };
    if (done instanceof Promise) void done.finally(resume);
    else resume();
  }

  /** A fresh scope (the manager was cleared). */
  reset(): void {
    this.#controller = new AbortController();
  }
}
