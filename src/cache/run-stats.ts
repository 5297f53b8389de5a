/**
 * Per-proc run statistics in the task DB: for each proc its newest status and its last 10
 * successful durations (newest first), kept as one JSON document in the `stats` table and
 * updated with each history batch. Scheduling hints and expected durations read this one row
 * instead of aggregating `runs`, which grows with every run (30,000 rows took ~100 ms to
 * aggregate; the document, ~10 ms for 10,000 procs). Each batch re-reads the document inside its
 * write transaction and folds its runs in, so processes sharing a DB never drop each other's.
 */
import type { Database } from 'bun:sqlite';
import type { RunRecord } from './task-store.ts';

/** Successful durations kept per proc. */
export const KEPT = 10;

/** SQL that creates the table and fills it from existing history (a migration step). */
export const STATS_MIGRATION = `
  CREATE TABLE IF NOT EXISTS stats (id INTEGER PRIMARY KEY CHECK (id = 1), data TEXT NOT NULL);
  INSERT OR REPLACE INTO stats (id, data)
  SELECT 1, COALESCE(json_group_object(p.proc, json_object(
    'l', (SELECT status FROM runs r WHERE r.proc = p.proc ORDER BY r.id DESC LIMIT 1),
    'd', json((SELECT json_group_array(d) FROM (
      SELECT ended - started AS d FROM runs r WHERE r.proc = p.proc AND r.status = 'success' AND r.cache IS NULL
      ORDER BY r.ended DESC LIMIT ${KEPT})))
  )), '{}')
  FROM (SELECT DISTINCT proc FROM runs) p;
`;

/** One proc's statistics: `l` its newest status, `d` its last successful durations, newest first. */
interface Stat {
  l: string;
  d: number[];
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

/** The document as stored; anything of another shape counts as no statistics. */
function parse(text: string | undefined): Record<string, Stat> {
  if (text === undefined) return {};
  try {
    const data: unknown = JSON.parse(text);
    if (typeof data !== 'object' || data === null || Array.isArray(data)) return {};
    // Entries of another shape are dropped; the document is written only by this module.
    const out = data as Record<string, Stat>;
    for (const proc in out) {
      const s = out[proc] as Partial<Stat> | null;
      if (typeof s?.l !== 'string' || !Array.isArray(s.d) || !s.d.every((x) => typeof x === 'number')) delete out[proc];
    }
    return out;
  } catch {
    return {};
  }
}

export class RunStats {
  #db: Database;
  /** The document as last read or written by this process (`null` until first read). */
  #data: Record<string, Stat> | null = null;

  constructor(db: Database) {
    this.#db = db;
  }

  #read(): Record<string, Stat> {
    const row = this.#db.query('SELECT data FROM stats WHERE id = 1').get() as { data: string } | null;
    return (this.#data = parse(row?.data));
  }

  /** Every proc's expected duration and the procs whose newest run failed (read afresh). */
  hints(): { expected: Map<string, number>; failedLast: Set<string> } {
    const expected = new Map<string, number>();
    const failedLast = new Set<string>();
    for (const [proc, s] of Object.entries(this.#read())) {
      const m = weightedMean(s.d);
      if (m !== null) expected.set(proc, m);
      if (s.l !== 'success') failedLast.add(proc);
    }
    return { expected, failedLast };
  }

  /** One proc's expected duration, or `null` (from this process's copy, read once). */
  expected(name: string): number | null {
    const s = (this.#data ?? this.#read())[name];
    return s === undefined ? null : weightedMean(s.d);
  }

  /** Folds a batch of history rows (oldest first) in; call inside the batch's write transaction. */
  record(runs: readonly RunRecord[]): void {
    if (runs.length === 0) return;
    const data = this.#read();
    for (const run of runs) {
      const s = (data[run.name] ??= { l: run.status, d: [] });
      s.l = run.status;
      if (run.status === 'success' && !run.cache) {
        s.d.unshift(run.endedAt - run.startedAt);
        if (s.d.length > KEPT) s.d.length = KEPT;
      }
    }
    this.#db.query('INSERT OR REPLACE INTO stats (id, data) VALUES (1, ?)').run(JSON.stringify(data));
  }
}
