/**
 * Where a manager's proc logs go (`logDir`, or a fresh temp dir), made on first use. Problems are
 * warnings, once each kind, never failures. The default temp dir is removed when the process
 * exits, unless a proc failed (its log is kept for the user to read).
 */
import { join, resolve } from './util/path.ts';
import { fileSafeName } from './util/file-safe.ts';
import { fs, fsErrorText } from './util/fs.ts';

let count = 0;

/** Default temp log dirs to remove at process exit, unless a proc logged a failure there. */
const tempDirs = new Map<string, () => boolean>();

function removeAtExit(dir: string, keep: () => boolean): void {
  if (tempDirs.size === 0) {
    process.on('exit', () => {
      for (const [d, k] of tempDirs) if (!k()) fs().rmSync(d, { recursive: true, force: true });
    });
  }
  tempDirs.set(dir, keep);
}

export class LogPlace {
  readonly #option: () => string | null;
  readonly #warn: (message: string) => void;
  /** A fresh temp dir, named when first needed (node:os is loaded only then; the CLI names its own). */
  #defaultPath: string | null = null;
  get #defaultDir(): string {
    if (this.#defaultPath === null) {
      const name = `parproc-${process.pid}-${++count}-${Math.random().toString(36).slice(2, 8)}`;
      this.#defaultPath = join((require('node:os') as typeof import('node:os')).tmpdir(), name);
    }
    return this.#defaultPath;
  }
  #ready: string | null = null;
  #warned = new Set<string>();
  /** A proc failed: the default temp dir is kept at exit. */
  #keep = false;

  constructor(option: () => string | null, warn: (message: string) => void) {
    this.#option = option;
    this.#warn = warn;
  }

  /** What `#dir` was resolved from: the option, and the working directory for a relative one. */
  #dirOf: string | null = null;
  #dir = '';

  /** Asked once per proc: resolving is not free, so the last answer is kept. */
  get dir(): string {
    const option = this.#option() ?? this.#defaultDir;
    const of = option.startsWith('/') ? option : `${process.cwd()}\0${option}`;
    if (of !== this.#dirOf) {
      this.#dirOf = of;
      this.#dir = resolve(option);
    }
    return this.#dir;
  }

  /** The log file of proc `name`. */
  fileOf(name: string): string {
    const dir = this.dir;
    return `${dir === '/' ? '' : dir}/${fileSafeName(name)}.log`;
  }

  /** Creates the dir before the first proc runs in it (a failure is a warning: procs still run). */
  ensure(): void {
    const dir = this.dir;
    if (this.#ready === dir) return;
    this.#ready = dir;
    try {
      fs().mkdirSync(dir, { recursive: true });
      if (dir === this.#defaultPath) removeAtExit(dir, () => this.#keep);
    } catch (err) {
      this.problem(`cannot create log dir ${dir}: ${fsErrorText(err)}`);
    }
  }

  /** A proc failed: keep its log. */
  keep(): void {
    this.#keep = true;
  }

  /** A log cannot be written: warned once per kind (one full disk is not a warning per proc). */
  problem(message: string): void {
    const kind = /\b(E[A-Z]+)\b/.exec(message)?.[1] ?? message;
    if (this.#warned.has(kind)) return;
    this.#warned.add(kind);
    this.#warn(`${message} (further log problems like this one are not reported; the run goes on)`);
  }
}
