/**
 * One execution's own abort scope (SPEC 3: a timeout, or the run's interrupt, stops it). Its
 * `AbortSignal` is made only when something asks for it — `ctx.signal`, a prompt, a command on
 * the terminal — so the many executions that never look pay for no controller.
 */

/** What commands and contexts see of a scope. */
export interface AbortScope {
  readonly aborted: boolean;
  /** Why it was aborted (`undefined` while it was not). */
  readonly reason: unknown;
  /** The scope as an `AbortSignal` (made on first read, aborted already if the scope is). */
  readonly signal: AbortSignal;
}

export class ExecutionScope implements AbortScope {
  #controller: AbortController | null = null;
  #reason: Error | undefined = undefined;

  get aborted(): boolean {
    return this.#reason !== undefined;
  }

  get reason(): Error | undefined {
    return this.#reason;
  }

  get signal(): AbortSignal {
    if (this.#controller === null) {
      this.#controller = new AbortController();
      if (this.#reason !== undefined) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }

  /** Aborts the scope (and its signal, if made); `false` if it was aborted already. */
  abort(reason: Error): boolean {
    if (this.#reason !== undefined) return false;
    this.#reason = reason;
    this.#controller?.abort(reason);
    return true;
  }
}
