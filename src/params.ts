/**
 * The global params (`setParams`, `-p k=v`): what `ctx.params` and every `DepContext` show, and
 * a hash of them for function procs' cache keys — a function proc may read `ctx.params`, so a
 * result made under other params is not reused (SPEC 6 reading: params are part of what a
 * function proc does).
 */
import { UserError } from './errors.ts';

export class Params {
  #record: Record<string, unknown> = {};
  /** Keys the command line set (`-p`): the task file's `setParams` leaves them as they are. */
  #pinned = new Set<string>();
  /** The hash of `#record`, made on first need after each change (`''` with no params). */
  #hash: string | null = '';

  /** The params themselves (one object for the manager's life, until `clear`). */
  get record(): Record<string, unknown> {
    return this.#record;
  }

  set(params: Record<string, unknown>, pin = false): void {
    if (typeof params !== 'object' || params === null || Array.isArray(params)) {
      throw new UserError('setParams: expected an object of params', 'E_ARGS');
    }
    // Defined, not assigned: a param named `__proto__` (`-p __proto__=x`, parsed JSON) is a param.
    for (const k of Object.keys(params)) {
      if (pin) this.#pinned.add(k);
      else if (this.#pinned.has(k)) continue;
      Object.defineProperty(this.#record, k, { value: params[k], enumerable: true, writable: true, configurable: true });
    }
    this.#hash = null;
  }

  clear(): void {
    this.#record = {};
    this.#pinned.clear();
    this.#hash = '';
  }

  /** A hash of the params, key order aside; `''` when there are none (keys made without params stay valid). */
  hash(): string {
    if (this.#hash !== null) return this.#hash;
    const keys = Object.keys(this.#record).sort();
    let text: string;
    try {
      text = JSON.stringify(keys.map((k) => [k, this.#record[k]]));
    } catch {
      text = keys.map((k) => `${k}=${String(this.#record[k])}`).join('\n'); // a BigInt or a cycle
    }
    this.#hash = keys.length === 0 ? '' : Bun.hash(text).toString(16);
    return this.#hash;
  }
}
