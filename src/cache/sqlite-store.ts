/**
 * The task DB on bun:sqlite (SPEC 7): WAL, a busy timeout so several parproc processes can share
 * one file, writes batched into one short transaction, and a schema version for migrations.
 * `openStore` never throws: an unusable DB (corrupt, unwritable, from a newer parproc) gives a
 * warning and the run goes on without cache.
 */
import type { Database } from 'bun:sqlite';
import { RunStats, type StatsTuning } from './run-stats.ts';
import { isFingerprints, parseKey, type CachedRow } from './cached-row.ts';
import { Damage } from './damage.ts';
import { isBusy, openDatabase } from './schema.ts';
import { inTransaction } from './transaction.ts';

export { SCHEMA_VERSION } from './schema.ts';

export { weightedMean } from './run-stats.ts';
export type { CachedRow } from './cached-row.ts';
import type { CachedResult, InputFingerprints, RunRecord, TaskStore } from './task-store.ts';

/** History rows per INSERT statement. */
const RUN_BATCH = 200;

/** Flush batched writes at least this often during long runs. */
const FLUSH_MS = 1000;

/**
 * Busy timeout at exit: the final flush may wait this long for another process's write lock
 * (while a run goes on a write waits `RUN_BUSY_MS`, and the batch is retried from a timer).
 */
const CLOSE_BUSY_MS = 2000;
/** Retry interval while locked, and how long the end of a run keeps retrying before it goes on. */
const RETRY_MS = 50;
const END_RETRY_MS = 3000;



/** A store (with a warning when its DB was made anew: a damaged one moved aside), or why there is none. */
type Opened = { store: SqliteStore; warning: string | null } | { store: null; warning: string };

/** Opens (creating and migrating) the DB at `path` as a store; never throws. `tuning`: how it keeps history and statistics. */
export function openStore(path: string, tuning?: StatsTuning): Opened {
  const opened = openDatabase(path);
  return opened.db === null ? { store: null, warning: opened.warning } : { store: new SqliteStore(opened.db, path, tuning), warning: opened.warning };
}

export class SqliteStore implements TaskStore {
  readonly path: string;
  #db: Database;
  #cache: Map<string, CachedRow> | null = null;
  #runs: RunRecord[] = [];
  #results = new Map<string, CachedResult>();
  #timer: ReturnType<typeof setTimeout> | null = null;
  #insertStatements = new Map<number, ReturnType<Database['prepare']>>();
  #onError: (message: string) => void = () => {};
  #stats: RunStats;
  /** Damage found while in use: one warning, nothing more read or written, moved aside at close. */
  #damage: Damage;

  constructor(db: Database, path: string, tuning?: StatsTuning) {
    this.#db = db;
    this.path = path;
    this.#stats = new RunStats(db, tuning);
    this.#damage = new Damage(path, (m) => this.#onError(m));
  }

  /** Where write failures are reported (they never fail a run). */
  onError(report: (message: string) => void): void {
    this.#onError = report;
  }

  /** Every cached row, loaded by one query on first use; rows are parsed only when asked for. */
  #rows(): Map<string, CachedRow> {
    if (this.#cache === null) {
      this.#cache = new Map();
      try {
        for (const r of this.#db.query('SELECT proc, output, at, inputs, definition, key FROM results').all() as (CachedRow & { proc: string })[]) this.#cache.set(r.proc, r);
      } catch (err) {
        if (!this.#damage.note(err)) this.#onError(`task DB ${this.path}: reading the cache failed (${(err as Error).message}); running without it`);
      }
    }
    return this.#cache;
  }

  /** The stored row of `name` as text (unparsed), unless a newer result waits to be written. */
  cachedRow(name: string): CachedRow | null {
    if (this.#results.has(name)) return null;
    return this.#rows().get(name) ?? null;
  }

  getCached(name: string): CachedResult | null {
    const pending = this.#results.get(name);
    if (pending) return pending;
    const row = this.#rows().get(name);
    if (!row) return null;
    // A row from a damaged DB or another tool: anything unexpected means "must run".
    try {
      const inputs: unknown = JSON.parse(row.inputs);
      if (typeof row.at !== 'number' || typeof row.definition !== 'string' || !isFingerprints(inputs)) return null;
      return { output: JSON.parse(row.output), at: row.at, inputs, definition: row.definition, key: parseKey(row.key) };
    } catch {
      return null;
    }
  }

  putCached(name: string, result: CachedResult): void {
    this.#results.set(name, result);
    this.#schedule();
  }

  recordRun(run: RunRecord): void {
    this.#runs.push(run);
    this.#schedule();
  }

  #schedule(ms = FLUSH_MS): void {
    if (this.#timer !== null) return;
    this.#timer = setTimeout(() => this.flush(), ms);
    this.#timer.unref?.();
  }

  /** Whether writes wait for a flush (kept while another process holds the lock). */
  get pending(): boolean {
    return this.#runs.length > 0 || this.#results.size > 0;
  }

  /**
   * Commits what is pending, retrying (without blocking the loop) while another process holds the
   * lock, for up to a few seconds; then the batch stays pending for a later flush.
   */
  async settle(): Promise<void> {
    const until = Date.now() + END_RETRY_MS;
    this.#foldFailed = false;
    this.flush(true);
    while (this.pending && this.#locked && Date.now() < until) {
      await Bun.sleep(RETRY_MS);
      this.flush(true);
    }
    // Sharing a DB with other parproc processes is normal; only a lock that outlasts the retries
    // is worth a warning (the batch stays pending for the next flush).
    if (this.pending && this.#locked && !this.#lockWarned) {
      this.#lockWarned = true;
      this.#onError(`task DB ${this.path} stayed locked by another process for ${END_RETRY_MS / 1000}s; this run's records are kept and written later`);
    }
    // What an earlier (periodic) flush wrote and the last one did not fold (unless folding
    // failed there already: the next run tries again).
    if (!this.pending && !this.#foldFailed) this.#foldStats();
  }

  /**
   * Folds this run's history into the per-proc statistics, once per run (in the run's last write
   * transaction, or alone). A locked DB or a failed fold loses nothing: the rows stay in `runs`,
   * and the next fold (or read) picks them up.
   */
  #foldStats(): void {
    try {
      this.#stats.fold();
    } catch (err) {
      if (!isBusy(err) && !this.#damage.note(err)) this.#onError(`task DB ${this.path}: updating run statistics failed (${(err as Error).message})`);
    }
  }

  /** The last flush found the DB locked by another process. */
  #locked = false;
  #lockWarned = false;

  /** Commits what is pending; `fold`: the end of a run, whose statistics fold in the same transaction. */
  flush(fold = false): void {
    if (this.#timer !== null) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
    if (this.#runs.length === 0 && this.#results.size === 0) return;
    if (this.#damage.found) {
      // Said once already: what this run would write goes nowhere.
      this.#runs = [];
      this.#results = new Map();
      return;
    }
    const runs = this.#runs;
    const results = this.#results;
    this.#runs = [];
    this.#results = new Map();
    try {
      const folded = this.#write(runs, results, fold);
      if (folded) this.#stats.folded();
      else this.#stats.committed(runs);
      this.#locked = false;
    } catch (err) {
      if (isBusy(err)) {
        // Keep the batch (newer results win) and try again soon.
        this.#locked = true;
        this.#runs = runs.concat(this.#runs);
        for (const [k, v] of this.#results) results.set(k, v);
        this.#results = results;
        this.#schedule(RETRY_MS);
        return;
      }
      if (!this.#damage.note(err)) this.#onError(`task DB ${this.path}: writing failed (${(err as Error).message}); this run's results are not cached`);
    }
  }

  #foldFailed = false;
  #prepared = false;
  /** Writes a batch in one transaction; whether the statistics were folded in. */
  #write(runs: RunRecord[], results: Map<string, CachedResult>, fold: boolean): boolean {
    return inTransaction(this.#db, () => {
      // Many rows per statement: one native call per batch instead of one per row.
      for (let i = 0; i < runs.length; i += RUN_BATCH) {
        const batch = runs.slice(i, i + RUN_BATCH);
        const values: (string | number | null)[] = [];
        for (const r of batch) values.push(r.runId, r.name, r.startedAt, r.endedAt, r.status, r.cache ?? null);
        this.#insertRuns(batch.length).run(...values);
      }
      const upsert = results.size === 0 ? null : this.#db.query('INSERT OR REPLACE INTO results (proc, output, at, inputs, definition, key) VALUES (?, ?, ?, ?, ?, ?)');
      for (const [name, c] of results) {
        const row = { output: JSON.stringify(c.output ?? null), at: c.at, inputs: JSON.stringify(c.inputs), definition: c.definition, key: c.key ? JSON.stringify(c.key) : null };
        upsert?.run(name, row.output, row.at, row.inputs, row.definition, row.key);
        this.#cache?.set(name, { proc: name, ...row } as never);
      }
      // One write transaction instead of two at the end of a run. A fold that fails here leaves
      // the history rows written (statement rollback) and is tried again by the next run.
      return fold && runs.length > 0 && this.#foldWithin(runs);
    });
  }

  #foldWithin(runs: readonly RunRecord[]): boolean {
    try {
      this.#stats.foldWithin(runs);
      return true;
    } catch (err) {
      this.#foldFailed = true;
      if (!this.#damage.note(err)) this.#onError(`task DB ${this.path}: updating run statistics failed (${(err as Error).message})`);
      return false;
    }
  }

  /**
   * Compiles what the end of a run writes with (one history row, the statistics, the transaction's
   * own statements), called while the first proc runs: the end of a short run only executes them.
   */
  prepare(): void {
    if (this.#prepared) return;
    this.#prepared = true;
    try {
      this.#insertRuns(1);
      this.#stats.prepare();
    } catch {
      // a damaged DB: its writes report it
    }
  }

  #insertRuns(rows: number): ReturnType<Database['prepare']> {
    let st = this.#insertStatements.get(rows);
    if (!st) {
      st = this.#db.prepare(`INSERT INTO runs (run_id, proc, started, ended, status, cache) VALUES ${Array(rows).fill('(?, ?, ?, ?, ?, ?)').join(', ')}`);
      this.#insertStatements.set(rows, st);
    }
    return st;
  }

  expectedDuration(name: string): number | null {
    try {
      return this.#stats.expected(name);
    } catch {
      return null;
    }
  }

  /**
   * For scheduling from history: every proc's expected duration (the weighted mean of its last 10
   * successful runs, as `expectedDuration`) and the procs whose newest run failed. One read of
   * the `stats` table.
   */
  scheduleHints(): { expected: Map<string, number>; failedLast: Set<string> } {
    try {
      return this.#stats.hints();
    } catch {
      // no history to schedule from: FIFO
      return { expected: new Map(), failedLast: new Set() };
    }
  }

  /** Durations (ms) of each proc's newest recorded run. */
  lastDurations(): Map<string, number> {
    const out = new Map<string, number>();
    try {
      const rows = this.#db
        .query('SELECT proc, ended - started AS d FROM runs WHERE id IN (SELECT max(id) FROM runs WHERE cache IS NULL GROUP BY proc)')
        .all() as { proc: string; d: number }[];
      for (const r of rows) out.set(r.proc, r.d);
    } catch {
      // an unreadable history just shows no durations
    }
    return out;
  }

  /** The newest `limit` runs, of every proc, of `name`, or of the procs a glob (`build::*`) matches. */
  history(name: string | null, limit: number): RunRecord[] {
    this.flush();
    const sql = `SELECT run_id, proc, started, ended, status, cache FROM runs ${name === null ? '' : /[*?]/.test(name) ? 'WHERE proc GLOB ?' : 'WHERE proc = ?'} ORDER BY started DESC, id DESC LIMIT ?`;
    let rows: { run_id: string; proc: string; started: number; ended: number; status: RunRecord['status']; cache: string | null }[];
    try {
      rows = (name === null ? this.#db.query(sql).all(limit) : this.#db.query(sql).all(name, limit)) as typeof rows;
    } catch (err) {
      if (this.#damage.note(err)) return [];
      throw err;
    }
    return rows.map((r) => ({ runId: r.run_id, name: r.proc, startedAt: r.started, endedAt: r.ended, status: r.status, cache: r.cache === 'remote' ? 'remote' : null }));
  }

  /**
   * Forgets the cached results of `names` (a name with `*` or `?` is a glob over cached names), or
   * all of them (`null`). `forgotten`: the names whose result went; `uncached`: names (or globs)
   * that had none; `remaining`: the procs whose results remain (for a "did you mean").
   */
  forget(names: string[] | null): { count: number; forgotten: string[]; uncached: string[]; remaining: string[] } {
    this.flush();
    this.#cache = null;
    try {
      return this.#forget(names);
    } catch (err) {
      if (this.#damage.note(err)) return { count: 0, forgotten: [], uncached: [], remaining: [] };
      throw err;
    }
  }

  #forget(names: string[] | null): { count: number; forgotten: string[]; uncached: string[]; remaining: string[] } {
    if (names === null) return { count: this.#db.run('DELETE FROM results').changes, forgotten: [], uncached: [], remaining: [] };
    const del = this.#db.prepare('DELETE FROM results WHERE proc = ?');
    const forgotten: string[] = [];
    const uncached: string[] = [];
    try {
      inTransaction(this.#db, () => {
        for (const name of names) {
          const matching = /[*?]/.test(name) ? (this.#db.query('SELECT proc FROM results WHERE proc GLOB ?').values(name) as [string][]).map(([p]) => p) : [name];
          const gone = matching.filter((n) => del.run(n).changes > 0);
          if (gone.length === 0) uncached.push(name);
          forgotten.push(...gone);
        }
      });
    } finally {
      del.finalize();
    }
    const remaining = uncached.length === 0 ? [] : (this.#db.query('SELECT proc FROM results').values() as [string][]).map(([p]) => p);
    return { count: forgotten.length, forgotten, uncached, remaining };
  }

  close(): void {
    if (this.pending) {
      // At exit a longer wait for the lock is fine: the run is over and nothing else is drawn.
      try {
        this.#db.exec(`PRAGMA busy_timeout = ${CLOSE_BUSY_MS}`);
      } catch {
        // a closed or broken handle: flush reports it
      }
      this.flush();
    }
    if (this.pending) {
      // Still locked after the long wait: say what is lost rather than drop it silently.
      this.#onError(`task DB ${this.path} stayed locked by another process; ${this.#runs.length} history row(s) and ${this.#results.size} cached result(s) of this run were not written`);
    }
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    // bun:sqlite finalizes the statements of `query` at close, not those of `prepare`: one left
    // would keep the connection open (SQLite closes it when the statement is collected, at exit
    // at the latest), with its WAL not yet checkpointed and emptied.
    for (const st of this.#insertStatements.values()) {
      try {
        st.finalize();
      } catch {
        // a closed or broken handle: nothing is left to close
      }
    }
    this.#insertStatements.clear();
    try {
      this.#db.close();
    } catch {
      // already closed
    }
    this.#damage.setAside();
  }
}
