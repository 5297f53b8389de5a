/**
 * The task DB on bun:sqlite (SPEC 7): WAL, a busy timeout so several parproc processes can share
 * one file, writes batched into one short transaction, and a schema version for migrations.
 * `openStore` never throws: an unusable DB (corrupt, unwritable, from a newer parproc) gives a
 * warning and the run goes on without cache.
 */
import { Database } from 'bun:sqlite';
import { mkdirSync } from 'node:fs';
import { dirname } from '../util/path.ts';
import type { ProcKey } from '../remote/keys.ts';
import { RunStats, STATS_MIGRATION } from './run-stats.ts';

export { weightedMean } from './run-stats.ts';
import type { CachedResult, InputFingerprints, RunRecord, TaskStore } from './task-store.ts';

/** The schema version this parproc writes (PRAGMA user_version). */
export const SCHEMA_VERSION = 3;

const MIGRATIONS: Record<number, string> = {
  // 0 → 1: the first schema.
  1: `
    CREATE TABLE IF NOT EXISTS runs (
      id INTEGER PRIMARY KEY,
      run_id TEXT NOT NULL,
      proc TEXT NOT NULL,
      started REAL NOT NULL,
      ended REAL NOT NULL,
      status TEXT NOT NULL CHECK (status IN ('success', 'failed', 'timeout'))
    );
    CREATE INDEX IF NOT EXISTS runs_by_proc ON runs (proc, ended);
    CREATE TABLE IF NOT EXISTS results (
      proc TEXT PRIMARY KEY,
      output TEXT NOT NULL,
      at REAL NOT NULL,
      inputs TEXT NOT NULL,
      definition TEXT NOT NULL
    );
  `,
  // 1 → 2: remote restores in the history (`cache`), and each result's cache key with its parts.
  2: `
    ALTER TABLE runs ADD COLUMN cache TEXT;
    ALTER TABLE results ADD COLUMN key TEXT;
  `,
  // 2 → 3: per-proc statistics (durations, newest status): scheduling hints are one cheap read.
  3: STATS_MIGRATION,
};

/** History rows per INSERT statement. */
const RUN_BATCH = 200;

/** Flush batched writes at least this often during long runs. */
const FLUSH_MS = 1000;

/**
 * Busy timeouts. While a run goes on, a write blocks the event loop at most `RUN_BUSY_MS` when
 * another process holds the DB's write lock: the batch is kept and retried from a timer instead.
 * Opening (a migration) and the final flush at exit may wait longer.
 */
const OPEN_BUSY_MS = 1000;
const RUN_BUSY_MS = 5;
const CLOSE_BUSY_MS = 2000;
/** Retry interval while locked, and how long the end of a run keeps retrying before it goes on. */
const RETRY_MS = 50;
const END_RETRY_MS = 3000;

const isBusy = (err: unknown): boolean =>
  /^SQLITE_(BUSY|LOCKED)/.test(String((err as { code?: unknown }).code ?? '')) || /database is locked/i.test(String((err as Error).message));

/** A cached result as stored: JSON text. */
export interface CachedRow {
  output: string;
  at: number;
  inputs: string;
  definition: string;
  key: string | null;
}

/**
 * Puts the DB in WAL mode, which is persistent: the first process to open a new DB switches it,
 * later opens find it switched. SQLite answers "locked" at once, without waiting, to a process
 * that asks for the switch while another one holds the DB (two runs creating it together): that
 * is retried for a while, not taken for an unusable DB.
 */
function useWal(db: Database): void {
  const until = Date.now() + OPEN_BUSY_MS;
  for (;;) {
    try {
      if ((db.query('PRAGMA journal_mode').get() as { journal_mode: string }).journal_mode !== 'wal') db.exec('PRAGMA journal_mode = WAL');
      return;
    } catch (err) {
      if (!isBusy(err) || Date.now() >= until) throw err;
      Bun.sleepSync(5 + Math.random() * 20);
    }
  }
}

type Opened = { store: SqliteStore; warning: null } | { store: null; warning: string };

/** Opens (creating and migrating) the DB at `path`. */
export function openStore(path: string): Opened {
  let db: Database | null = null;
  try {
    mkdirSync(dirname(path), { recursive: true });
    db = new Database(path, { create: true });
    db.exec(`PRAGMA busy_timeout = ${OPEN_BUSY_MS}`);
    const version = (db.query('PRAGMA user_version').get() as { user_version: number }).user_version;
    if (version > SCHEMA_VERSION) {
      db.close();
      return { store: null, warning: `task DB ${path} was written by a newer parproc (schema ${version}); running without cache` };
    }
    useWal(db);
    // No fsync: the task DB is a cache and a history. Commits and checkpoints are safe against a
    // crash of parproc (the OS has the pages); a power cut may damage the file, which costs one
    // warning and a full rebuild, never a run. The fsyncs cost ~6 ms a run on a real disk.
    db.exec('PRAGMA synchronous = OFF');
    if (version < SCHEMA_VERSION) {
      // Under the write lock (BEGIN IMMEDIATE), the version is read again: of several processes
      // opening a new DB at once, one migrates and the others see it done (ALTER TABLE is not
      // idempotent).
      const d = db;
      d.transaction(() => {
        const now = (d.query('PRAGMA user_version').get() as { user_version: number }).user_version;
        for (let v = now + 1; v <= SCHEMA_VERSION; v++) {
          d.exec(MIGRATIONS[v] as string);
          d.exec(`PRAGMA user_version = ${v}`);
        }
      }).immediate();
    }
    db.exec(`PRAGMA busy_timeout = ${RUN_BUSY_MS}`);
    return { store: new SqliteStore(db, path), warning: null };
  } catch (err) {
    try {
      db?.close();
    } catch {
      // closing a broken handle may fail too; nothing more to do
    }
    return { store: null, warning: `task DB ${path} is unusable (${(err as Error).message}); running without cache` };
  }
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

  constructor(db: Database, path: string) {
    this.#db = db;
    this.path = path;
    this.#stats = new RunStats(db);
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
        this.#onError(`task DB ${this.path}: reading the cache failed (${(err as Error).message}); running without it`);
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
    this.flush();
    while (this.pending && this.#locked && Date.now() < until) {
      await Bun.sleep(RETRY_MS);
      this.flush();
    }
    // Sharing a DB with other parproc processes is normal; only a lock that outlasts the retries
    // is worth a warning (the batch stays pending for the next flush).
    if (this.pending && this.#locked && !this.#lockWarned) {
      this.#lockWarned = true;
      this.#onError(`task DB ${this.path} stayed locked by another process for ${END_RETRY_MS / 1000}s; this run's records are kept and written later`);
    }
    if (!this.pending) this.#foldStats();
  }

  /**
   * Folds this run's history into the per-proc statistics, once per run. A locked DB or a failed
   * fold loses nothing: the rows stay in `runs`, and the next fold (or read) picks them up.
   */
  #foldStats(): void {
    try {
      this.#stats.fold();
    } catch (err) {
      if (!isBusy(err)) this.#onError(`task DB ${this.path}: updating run statistics failed (${(err as Error).message})`);
    }
  }

  /** The last flush found the DB locked by another process. */
  #locked = false;
  #lockWarned = false;

  flush(): void {
    if (this.#timer !== null) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
    if (this.#runs.length === 0 && this.#results.size === 0) return;
    const runs = this.#runs;
    const results = this.#results;
    this.#runs = [];
    this.#results = new Map();
    try {
      const upsert = this.#db.prepare('INSERT OR REPLACE INTO results (proc, output, at, inputs, definition, key) VALUES (?, ?, ?, ?, ?, ?)');
      this.#db.transaction(() => {
        // Many rows per statement: one native call per batch instead of one per row.
        for (let i = 0; i < runs.length; i += RUN_BATCH) {
          const batch = runs.slice(i, i + RUN_BATCH);
          const values: (string | number | null)[] = [];
          for (const r of batch) values.push(r.runId, r.name, r.startedAt, r.endedAt, r.status, r.cache ?? null);
          this.#insertRuns(batch.length).run(...values);
        }
        for (const [name, c] of results) {
          const row = { output: JSON.stringify(c.output ?? null), at: c.at, inputs: JSON.stringify(c.inputs), definition: c.definition, key: c.key ? JSON.stringify(c.key) : null };
          upsert.run(name, row.output, row.at, row.inputs, row.definition, row.key);
          this.#cache?.set(name, { proc: name, ...row } as never);
        }
      })();
      this.#stats.committed(runs);
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
      this.#onError(`task DB ${this.path}: writing failed (${(err as Error).message}); this run's results are not cached`);
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

  history(name: string | null, limit: number): RunRecord[] {
    this.flush();
    const sql = `SELECT run_id, proc, started, ended, status, cache FROM runs ${name === null ? '' : 'WHERE proc = ?'} ORDER BY started DESC, id DESC LIMIT ?`;
    const rows = (name === null ? this.#db.query(sql).all(limit) : this.#db.query(sql).all(name, limit)) as {
      run_id: string; proc: string; started: number; ended: number; status: RunRecord['status']; cache: string | null;
    }[];
    return rows.map((r) => ({ runId: r.run_id, name: r.proc, startedAt: r.started, endedAt: r.ended, status: r.status, cache: r.cache === 'remote' ? 'remote' : null }));
  }

  forget(names: string[] | null): number {
    this.flush();
    this.#cache = null;
    if (names === null) return this.#db.run('DELETE FROM results').changes;
    const del = this.#db.prepare('DELETE FROM results WHERE proc = ?');
    let n = 0;
    this.#db.transaction(() => {
      for (const name of names) n += del.run(name).changes;
    })();
    return n;
  }

  close(): void {
    // At exit a longer wait for the lock is fine: the run is over and nothing else is drawn.
    try {
      this.#db.exec(`PRAGMA busy_timeout = ${CLOSE_BUSY_MS}`);
    } catch {
      // a closed or broken handle: flush reports it
    }
    this.flush();
    if (this.pending) {
      // Still locked after the long wait: say what is lost rather than drop it silently.
      this.#onError(`task DB ${this.path} stayed locked by another process; ${this.#runs.length} history row(s) and ${this.#results.size} cached result(s) of this run were not written`);
    }
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    try {
      this.#db.close();
    } catch {
      // already closed
    }
  }
}

/** A stored cache key with its parts, or `null` (none, or not in the expected shape). */
function parseKey(text: string | null): ProcKey | null {
  if (text === null) return null;
  try {
    const k = JSON.parse(text) as ProcKey;
    const p = k?.parts;
    if (typeof k.key !== 'string' || typeof p?.definition !== 'string' || typeof p.inputs !== 'object' || typeof p.deps !== 'object') return null;
    return k;
  } catch {
    return null;
  }
}

/** Whether a parsed `inputs` column has the shape of `InputFingerprints`. */
function isFingerprints(x: unknown): x is InputFingerprints {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return false;
  for (const v of Object.values(x)) {
    if (v === null) continue;
    if (!Array.isArray(v) || v.length < 2 || v.length > 3) return false;
    if (typeof v[0] !== 'number' || typeof v[1] !== 'number' || (v.length === 3 && typeof v[2] !== 'string')) return false;
  }
  return true;
}
