/**
 * Work deferred to the scheduler's next flush: the `now: true` procs to start, and the first error
 * deferred work met (a start, a dep defined late), which the next `wait`/`waitForAll` throws.
 */
export class Deferred {
  #names: string[] = [];
  #error: unknown = null;

  /** Start the proc `name` at the next flush. */
  add(name: string): void {
    this.#names.push(name);
  }

  /** The names to start now (the list is emptied). */
  take(): string[] {
    const names = this.#names;
    this.#names = [];
    return names;
  }

  /** Keeps the first error, for the next wait. */
  keep(err: unknown): void {
    this.#error ??= err;
  }

  /** Throws the kept error, once. */
  rethrow(): void {
    const err = this.#error;
    this.#error = null;
    if (err) throw err;
  }

  clear(): void {
    this.#names = [];
    this.#error = null;
  }
}
