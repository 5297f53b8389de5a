/**
 * The task DB's file: opened (created if missing) in WAL mode with a busy timeout, and migrated
 * to this parproc's schema under the write lock. A DB written by a newer parproc, or one that
 * cannot be opened, is a warning: the run goes on without cache. A damaged one is moved aside
 * and made anew (`openDatabase`).
 */
import { Database, constants } from 'bun:sqlite';
import { mkdirSync } from 'node:fs';
import { isDamaged, moveAside, stampOf, type Stamp } from './damage.ts';
import { fsErrorText } from '../util/fs.ts';
import { dirname } from '../util/path.ts';
import { STATS_MIGRATION } from './run-stats.ts';
import { inTransaction } from './transaction.ts';

/** The schema version this parproc writes (PRAGMA user_version). */
export const SCHEMA_VERSION = 4;

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
  // 3 → 4: no index on runs by proc. Each of a run's history rows went into it at a scattered
  // place, dirtying most of its pages once the history was long: 10,000 rows took 18 ms into an
  // empty table and 35 ms after 20 such runs, against 5 ms without it. What read through it
  // (`history <name>`) scans instead: 10 ms for 200,000 rows.
  4: 'DROP INDEX IF EXISTS runs_by_proc;',
};

/**
 * Busy timeouts: opening (a migration) may wait `OPEN_BUSY_MS` for another process's lock; while a
 * run goes on, a write blocks the event loop at most `RUN_BUSY_MS` (the store keeps the batch and
 * retries it from a timer).
 */
const OPEN_BUSY_MS = 1000;
const RUN_BUSY_MS = 5;

/** Whether `err` is SQLite saying another process holds the lock. */
export const isBusy = (err: unknown): boolean =>
  /^SQLITE_(BUSY|LOCKED)/.test(String((err as { code?: unknown }).code ?? '')) || /database is locked/i.test(String((err as Error).message));

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

/** A handle (with a warning when the DB was made anew), or why there is none. */
export type Opened = { db: Database; warning: string | null } | { db: null; warning: string };

/**
 * Opens the DB at `path`: a handle in WAL mode at the current schema, or why not. A file that is
 * not a database, or a damaged one (a power cut without fsync, a stray write), is moved aside with
 * its WAL — kept, not deleted — and a new DB is made in its place: one warning and a full rebuild,
 * not a warning at every run from then on.
 */
export function openDatabase(path: string): Opened {
  const first = openOnce(path);
  if (first.db !== null || !first.damaged) return first.db !== null ? first : { db: null, warning: first.warning };
  const aside = moveAside(path, first.stamp);
  if (aside === null) return { db: null, warning: first.warning };
  const again = openOnce(path);
  const said = `task DB ${path} was damaged (${first.reason}); kept it as ${aside} and started a new one`;
  return again.db !== null ? { db: again.db, warning: said } : { db: null, warning: `${said}, which is unusable too (${again.reason}); running without cache` };
}

type Attempt = { db: Database; warning: null } | { db: null; warning: string; reason: string; damaged: boolean; stamp: Stamp };

function openOnce(path: string): Attempt {
  let db: Database | null = null;
  // The file as found before opening: if it proves damaged, it is moved only if it is still this
  // one (another process may have moved it and made a new one meanwhile).
  const before = stampOf(path);
  try {
    mkdirSync(dirname(path), { recursive: true });
    db = new Database(path, { create: true });
    // The WAL and its index stay between runs (emptied, not deleted, at close): making and removing
    // two files at every run cost a one-command run up to about 0.25 ms on the real disk.
    db.fileControl(constants.SQLITE_FCNTL_PERSIST_WAL, 1);
    db.exec(`PRAGMA busy_timeout = ${OPEN_BUSY_MS}`);
    const version = (db.query('PRAGMA user_version').get() as { user_version: number }).user_version;
    if (version > SCHEMA_VERSION) {
      db.close();
      return { db: null, warning: `task DB ${path} was written by a newer parproc (schema ${version}); running without cache`, reason: 'newer', damaged: false, stamp: null };
    }
    // No fsync: the task DB is a cache and a history. Commits and checkpoints are safe against a
    // crash of parproc (the OS has the pages); a power cut may damage the file, which costs one
    // warning and a full rebuild, never a run. The fsyncs cost ~6 ms a run on a real disk.
    // The WAL is emptied at close (it stays; see above): the next open reads nothing of it.
    const settings = 'PRAGMA synchronous = OFF; PRAGMA journal_size_limit = 0';
    if (version === SCHEMA_VERSION) {
      // Made by this parproc, and put in WAL mode then (the mode stays with the file): no need to
      // ask again, which cost every run's open a statement.
      db.exec(`${settings}; PRAGMA busy_timeout = ${RUN_BUSY_MS}`);
      return { db, warning: null };
    }
    useWal(db);
    db.exec(settings);
    // Under the write lock (BEGIN IMMEDIATE), the version is read again: of several processes
    // opening a new DB at once, one migrates and the others see it done (ALTER TABLE is not
    // idempotent).
    const d = db;
    inTransaction(
      d,
      () => {
        const now = (d.query('PRAGMA user_version').get() as { user_version: number }).user_version;
        for (let v = now + 1; v <= SCHEMA_VERSION; v++) {
          d.exec(MIGRATIONS[v] as string);
          d.exec(`PRAGMA user_version = ${v}`);
        }
      },
      true,
    );
    db.exec(`PRAGMA busy_timeout = ${RUN_BUSY_MS}`);
    return { db, warning: null };
  } catch (err) {
    try {
      db?.close();
    } catch {
      // closing a broken handle may fail too; nothing more to do
    }
    const reason = fsErrorText(err);
    return { db: null, warning: `task DB ${path} is unusable (${reason}); running without cache`, reason, damaged: isDamaged(err), stamp: before };
  }
}
