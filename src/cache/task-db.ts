/**
 * A manager's task DB: opened on first need for the current `taskDbPath` (bun:sqlite loads with
 * it), and the history of a run that never needs it kept for its journal instead
 * (history-journal.ts). A DB problem is a warning, never a failed run.
 */
import { resolve } from '../util/path.ts';
import { fs, fsErrorText } from '../util/fs.ts';
import { appendRuns, PendingRuns, ROTATE_BYTES } from './history-journal.ts';
import type { SqliteStore } from './sqlite-store.ts';
import type { RunRecord } from './task-store.ts';

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
  /** History rows for the journal: this run has not needed the DB. */
  #journal = new PendingRuns(() => this.#writeJournal(true));

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
    this.#closeStore();
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
    // Rows kept for the journal go in with this run's others.
    this.#writeJournal(false);
    return this.#store;
  }

  /** The store if this run has opened it already (never opens it). */
  opened(): SqliteStore | null {
    return this.#store;
  }

  /**
   * Records a history row. A run that has not needed the DB does not open it for history alone:
   * the row waits for the journal. With `cache`, the DB is needed (a result to keep).
   */
  record(run: RunRecord, cache?: (store: SqliteStore) => void): void {
    const path = this.#host.path();
    if (path === null) return;
    if (cache === undefined && path !== this.#storeOption) {
      this.#journal.add(resolve(path), run);
      return;
    }
    const store = this.store();
    if (!store) return;
    store.recordRun(run);
    cache?.(store);
  }

  /** Rows for the DB at `db` go to the open store when it is that DB's; whether they did. */
  #into(db: string, runs: readonly RunRecord[]): boolean {
    if (this.#store === null || this.#storePath !== db) return false;
    for (const r of runs) this.#store.recordRun(r);
    return true;
  }

  /**
   * Writes the rows waiting for the journal: into the store if it has been opened since, else
   * appended to the journal. With `open` (not while closing), the DB is opened for them when it
   * does not exist yet (the first run makes it), when the journal cannot be written, and when the
   * journal has grown enough to fold.
   */
  #writeJournal(open: boolean): void {
    const pending = this.#journal.take();
    if (pending === null || this.#into(pending.db, pending.runs)) return;
    const { db, runs } = pending;
    const ours = (): boolean => {
      const path = this.#host.path();
      return open && path !== null && resolve(path) === db;
    };
    const viaStore = (): void => {
      this.store();
      this.#into(db, runs);
    };
    if (ours() && !fs().existsSync(db)) return viaStore();
    try {
      if (appendRuns(db, runs) >= ROTATE_BYTES && ours()) this.store();
    } catch (err) {
      if (ours()) return viaStore();
      this.#host.warn(`task DB ${db}: writing its history journal failed (${fsErrorText(err)}); this run's history is not kept`);
    }
  }

  /** Commits batched writes (at the end of each run), retrying a while if the DB is locked. */
  async flush(): Promise<void> {
    this.#writeJournal(true);
    await this.#store?.settle();
  }

  close(): void {
    this.#writeJournal(false);
    this.#closeStore();
  }

  #closeStore(): void {
    this.#store?.close();
    this.#store = null;
    this.#storePath = null;
    this.#storeOption = null;
  }
}
