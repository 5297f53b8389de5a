/** A write transaction on a bun:sqlite database, for the task DB (schema.ts, sqlite-store.ts, run-stats.ts). */
import type { Database } from 'bun:sqlite';

/**
 * Runs `fn` in one transaction — `BEGIN`, or `BEGIN IMMEDIATE` (the write lock first) — committed,
 * or rolled back if it throws; never nested. Three cached statements: bun:sqlite's `transaction()`
 * compiles nine (savepoints, every kind of BEGIN) for a database's first transaction.
 */
export function inTransaction<T>(db: Database, fn: () => T, immediate = false): T {
  db.query(immediate ? 'BEGIN IMMEDIATE' : 'BEGIN').run();
  try {
    const result = fn();
    db.query('COMMIT').run();
    return result;
  } catch (err) {
    if (db.inTransaction) db.query('ROLLBACK').run();
    throw err;
  }
}
