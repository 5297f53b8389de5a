/**
 * The promises a proc's context hands out (`ctx.$`, `ctx.exec`, `ctx.wait`, …), watched for the
 * classic slip: a call nobody awaits whose promise rejects — `ctx.$\`npm test\`` without `await`,
 * the tests failing. Such a rejection is no unhandled rejection of the process (a warning under
 * the CLI, the proc still `succeeded`); it fails the proc as the throw it would have been, when
 * the proc's function settles. A promise awaited, or given a `then`/`catch`/`finally`, later or
 * not, is the function's own business. One that rejects after the function settled (a command
 * still running then is killed with the proc) changes nothing.
 */
import { CommandError } from '../errors.ts';
import type { CommandPromise, CommandResult } from '../types.ts';

interface Entry {
  method: string;
  observed: boolean;
  rejected: boolean;
  error: unknown;
}

const ENTRY = Symbol('handed');
const OWNER = Symbol('owner');

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

/**
 * `ctx.$` and `ctx.exec`: the same, with Bun Shell's readers (types.ts `CommandPromise`). What a
 * reader returns is watched as the command was: `ctx.$\`npm test\`.text()` nobody awaits, the
 * tests failing, fails the proc too.
 */
class HandedCommand extends Handed<CommandResult> implements CommandPromise {
  declare [OWNER]?: HandedPromises;
  text(): Promise<string> {
    return this.#derived(this.then((r) => r.stdout));
  }
  json<T = unknown>(): Promise<T> {
    return this.#derived(this.then((r) => JSON.parse(r.stdout) as T));
  }
  async *lines(): AsyncGenerator<string> {
    const { stdout } = await this;
    const lines = stdout.split(/\r?\n/);
    if (lines[lines.length - 1] === '') lines.pop();
    yield* lines;
  }
  nothrow(): CommandPromise {
    const settled = this.then(undefined, (err: unknown): CommandResult => {
      if (err instanceof CommandError) return { stdout: err.stdout, stderr: err.stderr, exitCode: err.exitCode };
      throw err; // an interrupt, a timeout
    });
    return this[OWNER]?.handCommand(this[ENTRY]?.method ?? 'ctx.$', settled) ?? (this as CommandPromise);
  }
  quiet(): CommandPromise {
    return this;
  }
  #derived<U>(p: Promise<U>): Promise<U> {
    return this[OWNER]?.hand(this[ENTRY]?.method ?? 'ctx.$', p) ?? p;
  }
}

export class HandedPromises {
  #entries: Entry[] | null = null;

  /** `inner` as the proc's code receives it, watched. */
  hand<T>(method: string, inner: Promise<T>): Promise<T> {
    return this.#watch(method, inner, Handed<T>);
  }

  /** A command's promise as the proc's code receives it, watched, with Bun Shell's readers. */
  handCommand(method: string, inner: Promise<CommandResult>): CommandPromise {
    return this.#watch(method, inner, HandedCommand);
  }

  #watch<T, P extends Handed<T>>(method: string, inner: Promise<T>, Kind: new (executor: (resolve: (v: T) => void, reject: (e: unknown) => void) => void) => P): P {
    const entry: Entry = { method, observed: false, rejected: false, error: undefined };
    (this.#entries ??= []).push(entry);
    const out = new Kind((resolve, reject) => {
      baseThen.call(inner, resolve, (err: unknown) => {
        entry.rejected = true;
        entry.error = err;
        reject(err);
      });
    });
    out[ENTRY] = entry;
    if (out instanceof HandedCommand) out[OWNER] = this;
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
