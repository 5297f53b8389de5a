/** A temp project dir for incremental tests: real files, a real SQLite DB, a fresh manager per run. */
import { afterEach, beforeEach } from 'bun:test';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ProcManager, type OptionsInput, type RunEvent } from '../../src/index.ts';

export class Project implements Disposable {
  readonly dir = mkdtempSync(join(tmpdir(), 'parproc-inc-'));
  readonly db = join(this.dir, '.parproc', 'parproc.db');

  path(rel: string): string {
    return join(this.dir, rel);
  }

  write(rel: string, text: string): void {
    mkdirSync(dirname(this.path(rel)), { recursive: true });
    writeFileSync(this.path(rel), text);
  }

  /** Sets a file's mtime to `secondsAgo` in the past (no sleeping needed to age a file). */
  age(rel: string, secondsAgo: number): void {
    const t = new Date(Date.now() - secondsAgo * 1000);
    utimesSync(this.path(rel), t, t);
  }

  /** A manager rooted here (cwd of procs and relative paths) with the project's DB. */
  manager(opts: OptionsInput = {}): { pm: ProcManager; events: RunEvent[] } {
    const pm = new ProcManager({ display: false, taskDbPath: this.db, logDir: this.path('logs'), ...opts });
    const events: RunEvent[] = [];
    pm.onEvent((e) => events.push(e));
    return { pm, events };
  }

  /** States by proc name after a run. */
  static states(pm: ProcManager): Record<string, string> {
    return Object.fromEntries([...pm.getProcs().values()].map((p) => [p.name, p.state]));
  }

  [Symbol.dispose](): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * A fresh Project per test, made the working directory for the test and removed after it.
 * Returns a stand-in that forwards to the current test's Project.
 */
export function projectPerTest(): Project {
  let current: Project | undefined;
  const cwd = process.cwd();
  beforeEach(() => {
    current = new Project();
    process.chdir(current.dir);
  });
  afterEach(() => {
    process.chdir(cwd);
    current?.[Symbol.dispose]();
    current = undefined;
  });
  return new Proxy({} as Project, {
    get(_, key) {
      if (!current) throw new Error('projectPerTest: used outside a test');
      const v = Reflect.get(current, key, current) as unknown;
      return typeof v === 'function' ? v.bind(current) : v;
    },
  });
}
