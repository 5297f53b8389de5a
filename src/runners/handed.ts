/**
 * The promises a proc's context hands out (`ctx.$`, `ctx.exec`, `ctx.wait`, …), watched for the
 * classic slip: a call nobody awaits whose promise rejects — `ctx.$\`npm test\`` without `await`,
 * the tests failing. Such a rejection is no unhandled rejection of the process (a warning under
 * the CLI, the proc still `succeeded`); it fails the proc as the throw it would have been, when
 * the proc's function settles. A promise awaited, or given a `then`/`catch`/`finally`, later or
 * not, is the function's own business. One that rejects after the function settled (a command
 * still running then is killed with the proc) changes nothing.
 */

interface Entry {
  method: string;
  observed: boolean;
  rejected: boolean;
  error: unknown;
}

const ENTRY = Symbol('handed');

/** A promise that notes when its caller looks at it: `await`, `then`, `catch` and `finally` all call `then`. */
class Handed<T> extends Promise<T> {
  declare [ENTRY]?: Entry;
  // Derived promises are plain ones.
  static override get [Symbol.species](): PromiseConstructor {
    return Promise;
  }
  override then<A = T, B = never>(onOk?: ((v: T) => A | PromiseLike<A>) | null, onErr?: ((e: unknown) => B | PromiseLike<B>) | null): Promise<A | B> {
    const e = this[ENTRY];
    if (e !== undefined) e.observed = true;
    return super.then(onOk, onErr);
  }
}

const baseThen = Promise.prototype.then;
const ignore = (): void => {};

export class HandedPromises {
  #entries: Entry[] | null = null;

  /** `inner` as the proc's code receives it, watched. */
  hand<T>(method: string, inner: Promise<T>): Promise<T> {
    const entry: Entry = { method, observed: false, rejected: false, error: undefined };
    (this.#entries ??= []).push(entry);
    const out = new Handed<T>((resolve, reject) => {
      baseThen.call(inner, resolve, (err: unknown) => {
        entry.rejected = true;
        entry.error = err;
        reject(err);
      });
    });
    out[ENTRY] = entry;
    // Handled here (no unhandled rejection of the process), without counting as a look.
    baseThen.call(out, undefined, ignore);
    return out;
  }

  /** The first rejection so far of a promise nobody looked at, with the method that made it. */
  dropped(): { method: string; error: unknown } | null {
    const e = this.#entries?.find((x) => x.rejected && !x.observed);
    return e === undefined ? null : { method: e.method, error: e.error };
  }
}
