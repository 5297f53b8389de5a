/**
 * Results in completion order, and the latest of each proc. `ctx.results` is a snapshot of the
 * log up to a mark (what had completed when the proc started, moved on by `ctx.wait`). Between
 * runs, results a later run of the same proc replaced are dropped: a long-lived manager (a watch
 * session, a script that runs again and again) kept every result of every run before — 5 MB per
 * 100 rebuilds of 50 procs returning 1 KB each — and each `ctx.results` copied them all.
 */
export class ResultLog {
  /** Each proc's latest result. */
  readonly latest = new Map<string, unknown>();
  #entries: [string, unknown][] = [];

  add(name: string, output: unknown): void {
    this.latest.set(name, output);
    this.#entries.push([name, output]);
  }

  /** Where the log is now; `snapshot(mark)` shows what had completed by then. */
  get mark(): number {
    return this.#entries.length;
  }

  snapshot(mark: number): Record<string, unknown> {
    return Object.fromEntries(this.#entries.slice(0, mark));
  }

  /**
   * Keeps one entry per proc once the log holds many superseded ones. Only when nothing runs:
   * marks taken before it no longer line up, and no running proc holds one then.
   */
  compact(): void {
    if (this.#entries.length <= 2 * this.latest.size + 1024) return;
    this.#entries = [...this.latest];
  }

  clear(): void {
    this.latest.clear();
    this.#entries = [];
  }
}
