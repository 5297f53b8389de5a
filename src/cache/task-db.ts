/**
 * A manager's task DB: opened on first need for the current `taskDbPath` (bun:sqlite loads with
 * it; a run without a DB never pays for it). A DB problem is a warning, never a failed run.
 */
import { resolve } from '../util/path.ts';
import type { SqliteStore } from './sqlite-store.ts';

export interface TaskDbHost {
  /** The `taskDbPath` option now (`null`: no task DB). */
  path(): string | null;
  warn(message: string): void;
}

export class TaskDb {
  #host: TaskDbHost;
  #store: SqliteStore | null = null;
  #storePath: string | null = null;
  #failedPath: string | null = null;
  /** The `taskDbPath` value `#store`/`#failedPath` were resolved from. */
  #storeOption: string | null = null;

  constructor(host: TaskDbHost) {
    this.#host = host;
  }

  /**
   * The open store for the current `taskDbPath`, or `null`. Called for every proc checked or
   * recorded: the option string is compared first, so the hot path does no path work.
   */
  store(): SqliteStore | null {
    const path = this.#host.path();
    if (path === null) return null;
    if (path === this.#storeOption) return this.#store;
    this.#storeOption = path;
    const abs = resolve(path);
    if (this.#storePath === abs) return this.#store;
    if (this.#failedPath === abs) return null;
    this.close();
    // bun:sqlite is loaded with the first DB: a run without one never pays for it.
    const { openStore } = require('./sqlite-store.ts') as typeof import('./sqlite-store.ts');
    const opened = openStore(abs);
    if (opened.store === null) {
      this.#failedPath = abs;
      this.#host.warn(opened.warning);
      return null;
    }
    if (opened.warning !== null) this.#host.warn(opened.warning);
    opened.store.onError((m) => this.#host.warn(m));
    this.#store = opened.store;
    this.#storePath = abs;
    return this.#store;
  }

  /** Commits batched writes (at the end of each run), retrying a while if the DB is locked. */
  async flush(): Promise<void> {
    await this.#store?.settle();
  }

  close(): void {
    this.#store?.close();
    this.#store = null;
    this.#storePath = null;
    this.#storeOption = null;
  }
}
