/**
 * A damaged task DB (not a database, or damaged pages: a power cut can do it, since the DB is
 * written without fsync). At open it is moved aside and made anew (schema.ts); found damaged
 * while a run uses it, the run goes on without it after one warning, and the file is moved aside
 * when the store closes, so the next run starts a new one. Moved, never deleted: `parproc.db` →
 * `parproc.db.damaged-<time>`, with its WAL files.
 */
import { renameSync, statSync } from 'node:fs';

/** SQLite's word for a file that is not a database, or one whose pages are damaged. */
export const isDamaged = (err: unknown): boolean => /^SQLITE_(NOTADB|CORRUPT)/.test(String((err as { code?: unknown } | null)?.code ?? ''));

/**
 * The file seen damaged, by inode: it is moved only if it is still that file. Another process may
 * have moved it and made a new one already; the damaged one, renamed, keeps its inode, so the new
 * one cannot have it.
 */
export type Stamp = number | null;

export function stampOf(path: string): Stamp {
  try {
    return statSync(path).ino;
  } catch {
    return null;
  }
}

/** Moves a damaged DB and its WAL files aside; the new name, or `null` when it could not be (or was moved already). */
export function moveAside(path: string, was: Stamp): string | null {
  if (was === null || stampOf(path) !== was) return null;
  const aside = `${path}.damaged-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  try {
    renameSync(path, aside);
  } catch {
    return null;
  }
  for (const ext of ['-wal', '-shm']) {
    try {
      renameSync(path + ext, aside + ext);
    } catch {
      // not there: nothing to keep
    }
  }
  return aside;
}

/** A store's watch for damage found while it is in use. */
export class Damage {
  #path: string;
  #report: (message: string) => void;
  #stamp: Stamp = null;
  #found = false;

  constructor(path: string, report: (message: string) => void) {
    this.#path = path;
    this.#report = report;
  }

  /** Found damaged: the store reads and writes nothing more. */
  get found(): boolean {
    return this.#found;
  }

  /** Whether `err` says the DB is damaged; the first time, one warning. */
  note(err: unknown): boolean {
    if (!isDamaged(err)) return false;
    if (!this.#found) {
      this.#found = true;
      this.#stamp = stampOf(this.#path);
      this.#report(`task DB ${this.#path} is damaged (${(err as Error).message}); running without it, and the next run starts a new one (this one is kept as ${this.#path}.damaged-…)`);
    }
    return true;
  }

  /** With the handle closed: moves the damaged file aside, so the next open makes a new one. */
  setAside(): void {
    if (this.#found) moveAside(this.#path, this.#stamp);
  }
}
