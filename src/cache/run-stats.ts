/**
 * Per-proc run statistics in the task DB: for each proc its newest status and its last 10
 * successful durations (newest first), kept as one JSON document in the `stats` table together
 * with the id of the last history row folded in (`upTo`). Scheduling hints and expected
 * durations read this one row, plus any history rows written since, instead of aggregating all
 * of `runs` (30,000 rows took ~100 ms to aggregate; this, ~20 ms for 10,000 procs).
 *
 * Rows are folded in at the end of a run (not at every periodic flush of a long run), under the
 * write lock; whatever a crashed or concurrent process wrote is picked up by the next fold, since
 * folding goes by row id. Rewriting the document costs in proportion to its size, so a big one
 * (a project of thousands of procs) is rewritten only once the rows waiting for it are a fair
 * share of it (`FOLD_POLICY`), not after every run of a few procs; readers fold the waiting rows
 * in memory meanwhile, so the statistics are always complete.
 *
 * The fold also bounds the history: `runs` keeps its newest `HISTORY_LIMIT.rows` rows. Older ones
 * (all folded in already) are deleted in one range delete by row id once `HISTORY_LIMIT.every`
 * more are due, and the document remembers how far (`pruned`): most folds cost no extra statement.
 */
import type { Database } from 'bun:sqlite';
import { allNumbers } from '../util/lists.ts';
import { inTransaction } from './transaction.ts';
import type { RunRecord } from './task-store.ts';

/** Successful durations kept per proc. */
export const KEPT = 10;

/** History rows kept in `runs`, and how many more may pile up before the oldest go (see above). */
export interface HistoryLimit {
  rows: number;
  every: number;
}
/** 100,000 rows: ten runs of a 10,000-proc graph, thousands of a small one; about 6 MB of DB. */
export const HISTORY_LIMIT: HistoryLimit = { rows: 100_000, every: 10_000 };

/**
 * When a fold rewrites the document: always while it is under `smallDoc` characters, else once the
 * rows waiting for it reach one per `perRow` characters of it (a proc's entry is about 60).
 */
export interface FoldPolicy {
  smallDoc: number;
  perRow: number;
}
/** Under 64 KB (about 1,000 procs) at every run; a 10,000-proc document once ~9,000 rows wait. */
export const FOLD_POLICY: FoldPolicy = { smallDoc: 64 * 1024, perRow: 64 };

/** How a store keeps its history and statistics (tests use small values). */
export interface StatsTuning {
  history?: HistoryLimit;
  fold?: FoldPolicy;
}

const READ_DOC = 'SELECT data FROM stats WHERE id = 1';
const COUNT_SINCE = 'SELECT count(*), max(id) FROM runs WHERE id > ?';
const WRITE_DOC = 'INSERT OR REPLACE INTO stats (id, data) VALUES (1, ?)';
const PRUNE = 'DELETE FROM runs WHERE id <= ?';

/** SQL that creates the table; the first fold fills it from existing history (a migration step). */
export const STATS_MIGRATION = `
  CREATE TABLE IF NOT EXISTS stats (id INTEGER PRIMARY KEY CHECK (id = 1), data TEXT NOT NULL);
`;

/** One proc's statistics: `l` its newest status, `d` its last successful durations, newest first. */
interface Stat {
  l: string;
  d: number[];
}

interface Doc {
  upTo: number;
  procs: Record<string, Stat>;
  /** History rows with an id up to this were deleted (0: none yet; absent in older documents). */
  pruned: number;
}

/**
 * The `upTo` of a stored document, read from its start without parsing the rest (it is written
 * first); `null` when the text does not start so.
 */
function storedUpTo(text: string): number | null {
  if (!text.startsWith('{"upTo":')) return null;
  const end = text.indexOf(',', 8);
  const n = end > 8 ? Number(text.slice(8, end)) : Number.NaN;
  return Number.isInteger(n) ? n : null;
}

/** A history row as read: id, proc, duration, status, cache. */
type RunRow = [id: number, proc: string, duration: number, status: string, cache: string | null];

/**
 * Whether a document's entry has the shape of a `Stat`. Entries are checked where they are used
 * (reading hints, folding a row in), not in a pass of their own over the parsed document: a
 * damaged or foreign entry is skipped, or replaced when a row is folded into it.
 */
function isStat(s: unknown): s is Stat {
  return typeof (s as Stat | null)?.l === 'string' && Array.isArray((s as Stat).d) && allNumbers((s as Stat).d);
}

/**
 * The document's procs without a prototype: a proc named `constructor` finds no inherited
 * member, and one named `__proto__` is an entry like any other (on a plain object, assigning it
 * set the prototype and the entry was lost).
 */
const noPrototype = (procs: object): Record<string, Stat> => Object.setPrototypeOf(procs, null) as Record<string, Stat>;

/** Folds one history row into the document. */
function add(doc: Doc, proc: string, duration: number, status: string, cache: string | null): void {
  let s = doc.procs[proc];
  if (!isStat(s)) s = doc.procs[proc] = { l: status, d: [] };
  s.l = status;
  if (status === 'success' && cache === null) {
    s.d.unshift(duration);
    if (s.d.length > KEPT) s.d.length = KEPT;
  }
}

/** Weighted mean with weights 0.8^i, i = 0 for the newest; `null` for no values. */
export function weightedMean(newestFirst: readonly number[]): number | null {
  if (newestFirst.length === 0) return null;
  let sum = 0;
  let weights = 0;
  let w = 1;
  for (const v of newestFirst) {
    sum += v * w;
    weights += w;
    w *= 0.8;
  }
  return sum / weights;
}

/**
 * The document as stored; anything of another shape is an empty one (everything is folded again).
 * Its entries are checked where they are used (`isStat`).
 */
function parse(text: string | undefined): Doc {
  if (text === undefined) return { upTo: 0, procs: noPrototype({}), pruned: 0 };
  try {
    const doc = JSON.parse(text) as Partial<Doc>;
    if (typeof doc?.upTo !== 'number' || typeof doc.procs !== 'object' || doc.procs === null || Array.isArray(doc.procs)) return { upTo: 0, procs: noPrototype({}), pruned: 0 };
    return { upTo: doc.upTo, procs: noPrototype(doc.procs), pruned: typeof doc.pruned === 'number' ? doc.pruned : 0 };
  } catch {
    return { upTo: 0, procs: noPrototype({}), pruned: 0 };
  }
}

export class RunStats {
  #db: Database;
  /** The document with every history row folded in, as last read (`null` until first read). */
  #doc: Doc | null = null;
  /** The stored text `#doc` was parsed from or written as, and the `upTo` in it. */
  #text: string | null = null;
  #textUpTo = 0;
  /** History rows this process committed since its last fold, oldest first. */
  #unfolded: RunRecord[] = [];

  #limit: HistoryLimit;
  #policy: FoldPolicy;

  constructor(db: Database, tuning: StatsTuning = {}) {
    this.#db = db;
    this.#limit = tuning.history ?? HISTORY_LIMIT;
    this.#policy = tuning.fold ?? FOLD_POLICY;
  }

  /** Compiles the fold's statements now (while a proc runs), not at the end of the run. */
  prepare(): void {
    for (const sql of [READ_DOC, COUNT_SINCE, WRITE_DOC, 'BEGIN', 'COMMIT']) this.#db.query(sql);
  }

  /** This process committed these history rows (after the write transaction). */
  committed(runs: readonly RunRecord[]): void {
    for (const r of runs) this.#unfolded.push(r);
  }

  /**
   * The stored document with the history rows written since folded in (in memory). When those
   * rows are exactly the ones this process committed, they are folded from memory, not read back.
   */
  #current(unfolded: readonly RunRecord[] = this.#unfolded, row = this.#readDoc()): Doc & { stored: number | null } {
    let doc: Doc;
    if (row !== null && this.#doc !== null && this.#doc.upTo === this.#textUpTo && row.data === this.#text) {
      // The stored document is the one this process last read or wrote, and its copy here has
      // nothing folded in since: the copy serves (parsing it again took ~10 ms for 10,000 procs,
      // once when a run starts and once at its end).
      doc = this.#doc;
    } else {
      doc = parse(row?.data);
      this.#text = row?.data ?? null;
      this.#textUpTo = doc.upTo;
    }
    const stored = row === null ? null : this.#textUpTo;
    const since = this.#db.query(COUNT_SINCE).values(doc.upTo)[0] as [number, number | null];
    if (since[0] > 0 && since[0] === unfolded.length) {
      for (const r of unfolded) add(doc, r.name, r.endedAt - r.startedAt, r.status, r.cache ?? null);
      doc.upTo = since[1] as number;
    } else if (since[0] > 0) {
      // Rows as arrays (no object per row).
      const rows = this.#db
        .query('SELECT id, proc, ended - started, status, cache FROM runs WHERE id > ? ORDER BY id')
        .values(doc.upTo) as RunRow[];
      for (const [id, proc, duration, status, cache] of rows) {
        add(doc, proc, duration, status, cache);
        doc.upTo = id;
      }
    }
    this.#doc = doc;
    return { ...doc, stored };
  }

  #readDoc(): { data: string } | null {
    return this.#db.query(READ_DOC).get() as { data: string } | null;
  }

  /**
   * Whether rewriting the stored document (`row`) now is worth it (see the header): a small one
   * always; a big one once enough rows wait, counted without parsing it.
   */
  #due(row: { data: string } | null): boolean {
    if (row === null || row.data.length < this.#policy.smallDoc) return true;
    const upTo = storedUpTo(row.data);
    if (upTo === null) return true;
    const waiting = (this.#db.query(COUNT_SINCE).values(upTo)[0] as [number, number | null])[0];
    return waiting * this.#policy.perRow >= row.data.length;
  }

  /** Every proc's expected duration and the procs whose newest run failed (read afresh). */
  hints(): { expected: Map<string, number>; failedLast: Set<string> } {
    const expected = new Map<string, number>();
    const failedLast = new Set<string>();
    const procs = this.#current().procs;
    for (const proc in procs) {
      const s = procs[proc];
      if (!isStat(s)) continue;
      const m = weightedMean(s.d);
      if (m !== null) expected.set(proc, m);
      if (s.l !== 'success') failedLast.add(proc);
    }
    return { expected, failedLast };
  }

  /** One proc's expected duration, or `null` (from this process's copy, read once). */
  expected(name: string): number | null {
    const s = (this.#doc ?? this.#current()).procs[name];
    return isStat(s) ? weightedMean(s.d) : null;
  }

  /**
   * Folds the history rows written since the last fold into the stored document (one
   * transaction). A run that recorded nothing (a no-op rebuild) leaves the DB alone: rows of other
   * processes are theirs to fold, and every read folds what is newer anyway.
   */
  fold(): void {
    if (this.#unfolded.length === 0) return;
    inTransaction(
      this.#db,
      () => {
        this.#foldOrLeave(this.#unfolded);
        this.#unfolded = [];
      },
      true,
    );
  }

  /**
   * The same inside the caller's write transaction, which has just inserted `runs` (not yet
   * `committed`); `folded` follows once it commits.
   */
  foldWithin(runs: readonly RunRecord[]): void {
    this.#foldOrLeave(this.#unfolded.concat(runs));
  }

  /**
   * Folds `unfolded` (with any other rows since the stored `upTo`) into the stored document, when
   * that is due; otherwise the rows wait in `runs` for a later fold, and this process's copy is
   * dropped, so its next read (`expected`, `hints`) counts them too.
   */
  #foldOrLeave(unfolded: readonly RunRecord[]): void {
    const row = this.#readDoc();
    if (this.#due(row)) this.#write(this.#current(unfolded, row));
    else this.#doc = null;
  }

  /** The transaction of `foldWithin` committed: every row this process wrote is folded, or left to a later fold. */
  folded(): void {
    this.#unfolded = [];
  }

  #write(doc: Doc & { stored: number | null }): void {
    const { stored, upTo, procs } = doc;
    if (stored === upTo) return; // nothing new
    // Every row up to `upTo` is folded in: the oldest may go (inside the caller's transaction).
    const keepFrom = upTo - this.#limit.rows;
    if (keepFrom - doc.pruned >= this.#limit.every) {
      this.#db.query(PRUNE).run(keepFrom);
      doc.pruned = keepFrom;
      if (this.#doc !== null) this.#doc.pruned = keepFrom;
    }
    const text = JSON.stringify({ upTo, procs, pruned: doc.pruned });
    this.#db.query(WRITE_DOC).run(text);
    // (Were the caller's transaction rolled back, the stored text would differ: read again.)
    this.#text = text;
    this.#textUpTo = upTo;
  }
}
