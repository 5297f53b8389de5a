/**
 * The run command's side of the no-op seal (./noop-seal.ts): follows one run's events and what it
 * prints, and when every proc ended up to date from stats and cached rows alone, with nothing
 * else said, writes the seal the next identical command replays.
 */
import { ignoresOutput, type RunEvent } from '../events.ts';
import { importsByComputedName, packageImports, projectModules } from '../files/imports.ts';
import type { ProcManager } from '../manager.ts';
import { formatDuration } from '../ui/format.ts';
import { fs } from '../util/fs.ts';
import { dirname, join } from '../util/path.ts';
import { setWriteTap, writeStderr } from '../util/stdio.ts';
import type { LoadRecord } from './load-tracker.ts';
import { DURATION_MARK, rememberAlwaysRuns, stampOf, writeSeal } from './noop-seal.ts';

const NOT_TRACKED = 'the load: not tracked';

/** The task DB as a seal compares it: the file strictly, its WAL (kept between runs) by mtime and size. */
const dbStamp = (db: string): string => JSON.stringify([stampOf(db, true), stampOf(`${db}-wal`, false)]);

export class RunSealer {
  /** Why this run is not sealed; `null` while it still may be. */
  #why: string | null;
  #out: [1 | 2, string][] = [];
  #runs = 0;
  /** A proc that runs every time ran: remembered for the next run of this command line (`rememberAlwaysRuns`). */
  #alwaysRuns = false;
  #durationMs = -1;
  /** The task DB (and its WAL) as the checks found them: the seal stands only if they are so at its end. */
  #dbBefore: string | null = null;
  /** What the seal needs of the manager, taken before it closes. */
  #prepared: { checked: ReadonlyMap<string, { mtimeMs: number; size: number } | null>; db: string } | null = null;

  /** `refused`: the command's flags already rule the seal out (say why). */
  constructor(refused: string | null) {
    this.#why = refused;
    if (refused === null) setWriteTap((stream, text) => this.#out.push([stream === 'stdout' ? 1 : 2, text]));
  }

  refuse(why: string): void {
    if (this.#why !== null) return;
    this.#why = why;
    this.#out = [];
    setWriteTap(null);
  }

  /**
   * The task file has loaded. A load that was not tracked (cli.ts: the last run of this command
   * line ran a proc that runs every time) can never be sealed: no seal bookkeeping from here on.
   */
  loaded(load: LoadRecord | null): void {
    if (load === null) this.refuse(NOT_TRACKED);
  }

  get open(): boolean {
    return this.#why === null;
  }

  readonly onEvent = ignoresOutput((e: RunEvent): void => {
    if (this.#why !== null) return;
    if (e.type === 'warning') this.refuse('a warning');
    else if (e.type === 'run-start' && ++this.#runs > 1) this.refuse('more than one run');
    else if (e.type === 'proc-state' && e.state !== 'up-to-date' && e.state !== 'wanted' && e.state !== 'idle') this.refuse(`${e.name} ${e.state}`);
    else if (e.type === 'run-end') {
      if (!e.ok || e.criticalPath.length > 1) this.refuse('not a plain no-op');
      else this.#durationMs = e.durationMs;
    } else if (e.type === 'watch-ready' || e.type === 'watch-rebuild') this.refuse('watching');
  });

  /** Just before the run is released, before the checks read the task DB at `db`. */
  checking(db: string | null): void {
    if (db !== null) this.#dbBefore = dbStamp(db);
  }

  /** After the run, before the manager closes (the task DB is still open): what the seal needs of it. */
  prepare(pm: ProcManager): void {
    setWriteTap(null);
    this.#alwaysRuns = pm.ranAProcThatAlwaysRuns();
    if (this.#why !== null) return;
    if (!pm.getOptions().quickNoop) return this.refuse('quickNoop: false');
    const checked = pm.checkedStats();
    if (checked === null || checked.size === 0 || this.#durationMs < 0) return this.refuse('a check needed more than stats and cached rows');
    const db = pm.taskStore()?.path;
    if (db === undefined) return this.refuse('no task DB');
    this.#prepared = { checked, db };
  }

  /**
   * After the manager closed (the task DB is as the next run finds it): writes the seal if nothing
   * ruled it out. Returns why not, or `null` when written (`PARPROC_DEBUG_SEAL=1` prints it).
   */
  finish(taskFile: string, load: LoadRecord | null): string | null {
    rememberAlwaysRuns(this.#alwaysRuns);
    const why = this.#finish(taskFile, load);
    if (process.env.PARPROC_DEBUG_SEAL === '1') writeStderr(`parproc: seal ${why === null ? 'written' : `not written: ${why}`}\n`);
    return why;
  }

  #finish(taskFile: string, load: LoadRecord | null): string | null {
    if (this.#why !== null || this.#prepared === null) return this.#why ?? 'not prepared';
    if (load === null) return NOT_TRACKED;
    if (load.unsealable !== null) return `the load: ${load.unsealable}`;
    const out = this.#withDurationMark();
    if (out === null) return 'no summary line';
    const files = loadedFiles(load);
    if (files === null) return 'a module imports by a computed name';
    const { checked, db } = this.#prepared;
    // Another process may write the DB while this one reads it: the seal stands only if the DB
    // (and its WAL) are, after this run closed it, as they were before its checks.
    if (this.#dbBefore !== dbStamp(db)) return `${db} changed during the run`;
    const strict: [string, number][] = [...files].map((f) => [f, load.startedAt]);
    strict.push([db, Infinity]);
    return writeSeal({ taskFile, strict, loose: [`${db}-wal`], checked, out });
  }

  /** The output with the run's time in its last `Done in …` marked, for the replay's own time. */
  #withDurationMark(): [1 | 2, string][] | null {
    const done = `Done in ${formatDuration(this.#durationMs)}`;
    for (let i = this.#out.length - 1; i >= 0; i--) {
      const [fd, text] = this.#out[i] as [1 | 2, string];
      const at = text.lastIndexOf(done);
      if (at < 0) continue;
      const out = [...this.#out];
      out[i] = [fd, `${text.slice(0, at)}Done in ${DURATION_MARK}${text.slice(at + done.length)}`];
      return out;
    }
    return null;
  }
}

/**
 * What the task file's graph rests on: its modules (the task file and every module it imports by
 * path, transitively), the tsconfig.json, bunfig.toml and package.json beside it, each package
 * the modules import (its entry and package.json), and what loading read. A module that imports by a computed name leaves the graph's modules unknown: `null`.
 */
function loadedFiles(load: LoadRecord): Set<string> | null {
  const modules = projectModules(load.taskFile);
  // How Bun compiles and resolves them, missing or not.
  const dir = dirname(load.taskFile);
  const config = ['tsconfig.json', 'bunfig.toml', 'package.json'].map((f) => join(dir, f));
  const files = new Set([...modules, ...config, ...load.read]);
  for (const m of modules) {
    if (importsByComputedName(m)) return null;
    for (const spec of packageImports(m)) {
      if (spec === 'parproc') continue;
      let entry: string;
      try {
        entry = Bun.resolveSync(spec, dirname(m));
      } catch {
        continue; // a type-only import, gone when compiled
      }
      files.add(entry);
      for (let d = dirname(entry); dirname(d) !== d; d = dirname(d)) {
        const pj = join(d, 'package.json');
        if (fs().existsSync(pj)) {
          files.add(pj);
          break;
        }
      }
    }
  }
  return files;
}
