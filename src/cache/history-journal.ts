/**
 * The history journal: the history rows of runs that never needed the task DB, kept in a text
 * file beside it until the next process that opens the DB folds them in.
 *
 * A run whose procs all run at every run (no deps, no inputs) and never wait for a slot reads
 * nothing from the DB; opening SQLite only to add its history rows cost a one-command run about
 * 1.4 ms on this machine's disk, a tenth of its time. Such a run appends its rows to
 * `<db>-history` instead, one JSON line each in one `O_APPEND` write (about 0.1 ms), which
 * concurrent runs can do at once without a lock.
 *
 * Folding goes under the DB's write lock, by byte offset: how far each journal file has been
 * folded is committed in the same transaction as its rows (table `journal`, keyed by inode, so a
 * rename leaves it valid), so no row is folded twice and an append racing a fold is folded by the
 * next one. Only whole lines are folded; a damaged one (a crash mid-write) is counted and skipped.
 * Once folded and over `ROTATE_BYTES`, the file is renamed to `<db>-history.old`: an appender
 * that opened it just before may still write there, so the old file is folded again at each fold
 * and deleted only once it has been still for `QUIET_MS`.
 */
import type { Database } from 'bun:sqlite';
import { fs } from '../util/fs.ts';
import type { RunRecord } from './task-store.ts';
import { inTransaction } from './transaction.ts';

/** The journal beside the task DB at `db`. */
export const journalPath = (db: string): string => `${db}-history`;

/** A folded journal this big is renamed (and a new one begun), so it does not grow without end. */
export const ROTATE_BYTES = 256 * 1024;
/** A fold reads a journal this much at a time. */
const CHUNK_BYTES = 4 * 1024 * 1024;
/** An old journal is deleted once nothing has been written to it for this long. */
export const QUIET_MS = 60_000;

/** SQL that creates the fold marks (a migration step). */
export const JOURNAL_MIGRATION = 'CREATE TABLE IF NOT EXISTS journal (ino INTEGER PRIMARY KEY, folded INTEGER NOT NULL);';

const STATUSES = new Set<string>(['success', 'failed', 'timeout']);

/** One journal line: `[runId, name, startedAt, endedAt, status]`, with `"remote"` after it for a restore. */
function lineOf(r: RunRecord): string {
  const fields: unknown[] = [r.runId, r.name, r.startedAt, r.endedAt, r.status];
  if (r.cache) fields.push(r.cache);
  return `${JSON.stringify(fields)}\n`;
}

/** A journal line as a record, or `null` when it is not one (damaged). */
export function parseLine(line: string): RunRecord | null {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return null;
  }
  if (!Array.isArray(v) || (v.length !== 5 && v.length !== 6)) return null;
  const [runId, name, startedAt, endedAt, status, cache] = v as unknown[];
  if (typeof runId !== 'string' || typeof name !== 'string' || typeof startedAt !== 'number' || typeof endedAt !== 'number') return null;
  if (typeof status !== 'string' || !STATUSES.has(status) || (v.length === 6 && cache !== 'remote')) return null;
  return { runId, name, startedAt, endedAt, status: status as RunRecord['status'], cache: v.length === 6 ? 'remote' : null };
}

/** Appends `runs` to the journal of `db` in one write; the journal's size after it. Throws as node:fs does. */
export function appendRuns(db: string, runs: readonly RunRecord[]): number {
  const f = fs();
  const bytes = Buffer.from(runs.map(lineOf).join(''));
  const fd = f.openSync(journalPath(db), 'a');
  try {
    for (let at = 0; at < bytes.length; ) at += f.writeSync(fd, bytes, at);
    return f.fstatSync(fd).size;
  } finally {
    f.closeSync(fd);
  }
}

type Stat = { ino: number; size: number; mtimeMs: number };
type Tuned = Required<FoldTuning>;

function statOf(path: string): Stat | undefined {
  return fs().statSync(path, { throwIfNoEntry: false });
}

/** What a fold did: history rows added, damaged lines skipped. */
export interface Folded {
  rows: number;
  damaged: number;
}

const NOTHING: Folded = { rows: 0, damaged: 0 };

/** When a journal is rotated and an old one deleted, how much is read at a time (tests use small values), and the time now. */
export interface FoldTuning {
  rotateBytes?: number;
  quietMs?: number;
  chunkBytes?: number;
  now?: number;
}

/**
 * Folds the journal of the DB at `dbPath` into `db` (opened at the current schema): its whole
 * lines become history rows. Costs a stat when there is no journal, and a read of the marks when
 * nothing was added since the last fold. Throws SQLite's errors (a busy DB: the next open folds).
 */
export function foldJournal(db: Database, dbPath: string, tuning: FoldTuning = {}): Folded {
  const t: Tuned = {
    rotateBytes: tuning.rotateBytes ?? ROTATE_BYTES,
    quietMs: tuning.quietMs ?? QUIET_MS,
    chunkBytes: tuning.chunkBytes ?? CHUNK_BYTES,
    now: tuning.now ?? Date.now(),
  };
  const live = journalPath(dbPath);
  const liveSt = statOf(live);
  const oldSt = statOf(`${live}.old`);
  if (liveSt === undefined && oldSt === undefined) return NOTHING;
  const marks = readMarks(db);
  const behind = (s: Stat | undefined): boolean => s !== undefined && marks.get(s.ino) !== s.size;
  const oldDone = oldSt !== undefined && !behind(oldSt) && oldSt.mtimeMs < t.now - t.quietMs;
  const rotate = liveSt !== undefined && !behind(liveSt) && liveSt.size >= t.rotateBytes && oldSt === undefined;
  if (!behind(liveSt) && !behind(oldSt) && !oldDone && !rotate) return NOTHING;
  return inTransaction(db, () => foldLocked(db, live, t), true);
}

function readMarks(db: Database): Map<number, number> {
  return new Map(db.query('SELECT ino, folded FROM journal').values() as [number, number][]);
}

/** The fold itself, under the write lock (marks read again: another process may have folded). */
function foldLocked(db: Database, live: string, t: Tuned): Folded {
  const f = fs();
  const old = `${live}.old`;
  const marks = readMarks(db);
  const setMark = db.query('INSERT OR REPLACE INTO journal (ino, folded) VALUES (?, ?)');
  const insert = db.query('INSERT INTO runs (run_id, proc, started, ended, status, cache) VALUES (?, ?, ?, ?, ?, ?)');
  const forget = db.query('DELETE FROM journal WHERE ino = ?');
  const result = { rows: 0, damaged: 0 };
  const seen = new Set<number>();
  /** Folds what `path` has past its mark; its stat, and whether all of it is folded now. */
  const fold = (path: string): { st: Stat; done: boolean } | undefined => {
    const st = statOf(path);
    if (st === undefined) return undefined;
    seen.add(st.ino);
    let from = marks.get(st.ino) ?? 0;
    if (from > st.size) from = 0; // not the file the mark was for
    const start = from;
    // A chunk at a time (bounded memory for a journal that grew while the DB was unusable).
    while (from < st.size) {
      const bytes = readRange(path, from, Math.min(st.size, from + t.chunkBytes));
      let end = bytes.lastIndexOf(10) + 1; // whole lines only: one being written waits
      if (end === 0) {
        if (bytes.length < t.chunkBytes) break;
        // No line is this long: damaged; what follows is read from the next chunk.
        result.damaged++;
        end = bytes.length;
      }
      for (const line of bytes.subarray(0, end).toString('utf8').split('\n')) {
        if (line === '') continue;
        const r = parseLine(line);
        if (r === null) result.damaged++;
        else {
          insert.run(r.runId, r.name, r.startedAt, r.endedAt, r.status, r.cache ?? null);
          result.rows++;
        }
      }
      from += end;
    }
    if (from !== start) setMark.run(st.ino, from);
    return { st, done: from === st.size };
  };
  const oldFile = fold(old);
  const liveFile = fold(live);
  // Marks of files that are gone (deleted, or a journal removed by hand).
  for (const ino of marks.keys()) if (!seen.has(ino)) forget.run(ino);
  let oldExists = oldFile !== undefined;
  if (oldFile?.done && oldFile.st.mtimeMs < t.now - t.quietMs) {
    f.unlinkSync(old);
    forget.run(oldFile.st.ino);
    oldExists = false;
  }
  // Renamed under the lock: its mark (by inode) stays valid, and a rollback loses nothing.
  if (liveFile?.done && liveFile.st.size >= t.rotateBytes && !oldExists) f.renameSync(live, old);
  return result;
}

/** The bytes of `path` from `from` to `to` (fewer if it is shorter). */
function readRange(path: string, from: number, to: number): Buffer {
  const f = fs();
  const fd = f.openSync(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(to - from);
    let got = 0;
    while (got < buf.length) {
      const n = f.readSync(fd, buf, got, buf.length - got, from + got);
      if (n === 0) break;
      got += n;
    }
    return buf.subarray(0, got);
  } finally {
    f.closeSync(fd);
  }
}

/** Rows wait at most this long before they are appended (a long run writes its history as it goes). */
const PENDING_MS = 1000;

/**
 * A run's history rows waiting for one DB's journal: written (`due`) at the end of the run, at a
 * close, a second after the first row, or before a row for another DB is taken.
 */
export class PendingRuns {
  #db: string | null = null;
  #runs: RunRecord[] = [];
  #timer: ReturnType<typeof setTimeout> | null = null;
  #due: () => void;

  constructor(due: () => void) {
    this.#due = due;
  }

  /** Keeps `run` for the journal of the DB at `db` (an absolute path). */
  add(db: string, run: RunRecord): void {
    if (this.#db !== db && this.#runs.length > 0) this.#due();
    this.#db = db;
    this.#runs.push(run);
    if (this.#timer === null) {
      this.#timer = setTimeout(() => this.#due(), PENDING_MS);
      this.#timer.unref?.();
    }
  }

  /** The waiting rows and their DB, handed over; `null` when none wait. */
  take(): { db: string; runs: RunRecord[] } | null {
    if (this.#timer !== null) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
    if (this.#runs.length === 0 || this.#db === null) return null;
    const taken = { db: this.#db, runs: this.#runs };
    this.#runs = [];
    return taken;
  }
}
