/**
 * Watches directories for file changes and reports absolute paths, nothing more (what a change
 * means is the watch session's business). Each root is watched recursively with `node:fs`
 * `watch`; a root that does not exist yet (or was deleted) is waited for through its nearest
 * existing parent and armed again when it appears, reporting the files found in it. When the OS
 * runs out of watch handles (ENOSPC, EMFILE), it falls back to polling with one warning.
 */
import { existsSync, statSync, watch, type FSWatcher } from 'node:fs';
import { isDirectory } from '../util/fs.ts';
import { dirname, join, sep } from '../util/path.ts';
import { walkFiles } from '../util/walk.ts';

/** Polling interval of the fallback (and of `poll: true`). */
export const POLL_MS = 250;

export interface FileWatcherOptions {
  /** Told of every changed path (files and directories; the caller filters). */
  onChange(path: string): void;
  /** Told once when watching falls back to polling. */
  onWarning(message: string): void;
  /** Poll from the start (network file systems; `PARPROC_WATCH_POLL=1`). */
  poll?: boolean;
}

/** Keeps only the outermost of nested roots (recursive watches cover the inner ones). */
export function outermost(roots: readonly string[]): string[] {
  const sorted = [...new Set(roots)].sort();
  const out: string[] = [];
  for (const r of sorted) if (!out.some((o) => r === o || r.startsWith(o.endsWith(sep) ? o : o + sep))) out.push(r);
  return out;
}

/**
 * Every file under `dir` (recursive), for polling and for a re-created root: no symlink followed,
 * so a loop of them under a root does not hide its files (util/walk.ts).
 */
function filesUnder(dir: string): string[] {
  const out: string[] = [];
  walkFiles(dir, (path) => out.push(path), true);
  return out;
}

export class FileWatcher {
  #opts: FileWatcherOptions;
  #roots: string[];
  #watchers = new Map<string, FSWatcher>();
  #closed = false;
  #polling: ReturnType<typeof setInterval> | null = null;
  #snapshot = new Map<string, string>();

  constructor(roots: readonly string[], opts: FileWatcherOptions) {
    this.#opts = opts;
    this.#roots = outermost(roots);
    if (opts.poll) this.#startPolling(null);
    else for (const root of this.#roots) this.#arm(root);
  }

  /** How many directories are watched natively (0 when polling). */
  get native(): number {
    return this.#watchers.size;
  }

  #arm(root: string): void {
    if (this.#closed || this.#polling) return;
    if (!isDirectory(root)) {
      this.#awaitCreation(root);
      return;
    }
    try {
      const w = watch(root, { recursive: true }, (_event, filename) => {
        const path = filename ? join(root, String(filename)) : root;
        // The root itself went away: wait for it to come back.
        if (!existsSync(root)) {
          this.#disarm(root);
          this.#opts.onChange(path);
          this.#awaitCreation(root);
          return;
        }
        this.#opts.onChange(path);
      });
      w.on('error', (err) => this.#failed(root, err));
      this.#watchers.set(root, w);
    } catch (err) {
      this.#failed(root, err);
    }
  }

  /** Watches the nearest existing parent (not recursively) until `root` exists, then arms it. */
  #awaitCreation(root: string): void {
    let parent = dirname(root);
    while (!isDirectory(parent) && dirname(parent) !== parent) parent = dirname(parent);
    const key = `${root}\0await`;
    if (this.#watchers.has(key)) return;
    try {
      const w = watch(parent, () => {
        if (!isDirectory(root)) {
          // An intermediate directory appeared: follow it down.
          if (!isDirectory(parent) || [...this.#ancestorsBetween(parent, root)].some(isDirectory)) {
            this.#disarm(key);
            this.#awaitCreation(root);
          }
          return;
        }
        this.#disarm(key);
        this.#arm(root);
        // Files made along with the directory were not seen by a watcher yet.
        for (const f of filesUnder(root)) this.#opts.onChange(f);
      });
      w.on('error', (err) => this.#failed(key, err));
      this.#watchers.set(key, w);
    } catch (err) {
      this.#failed(key, err);
    }
  }

  *#ancestorsBetween(top: string, root: string): Generator<string> {
    for (let d = dirname(root); d.length > top.length; d = dirname(d)) yield d;
  }

  #disarm(key: string): void {
    const w = this.#watchers.get(key);
    this.#watchers.delete(key);
    try {
      w?.close();
    } catch {
      // already closed
    }
  }

  #failed(key: string, err: unknown): void {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOSPC' || code === 'EMFILE' || code === 'ENFILE') {
      this.#startPolling(`the system ran out of file watch handles (${code}); polling every ${POLL_MS} ms instead`);
      return;
    }
    // Anything else (the directory vanished under the watcher): arm it again.
    this.#disarm(key);
    const root = key.endsWith('\0await') ? key.slice(0, -6) : key;
    if (!this.#closed) this.#arm(root);
  }

  #startPolling(warning: string | null): void {
    if (this.#polling || this.#closed) return;
    if (warning) this.#opts.onWarning(warning);
    for (const key of [...this.#watchers.keys()]) this.#disarm(key);
    this.#snapshot = this.#scan();
    this.#polling = setInterval(() => {
      const next = this.#scan();
      for (const [path, stamp] of next) if (this.#snapshot.get(path) !== stamp) this.#opts.onChange(path);
      for (const path of this.#snapshot.keys()) if (!next.has(path)) this.#opts.onChange(path);
      this.#snapshot = next;
    }, POLL_MS);
  }

  #scan(): Map<string, string> {
    const out = new Map<string, string>();
    for (const root of this.#roots) {
      for (const f of filesUnder(root)) {
        try {
          const st = statSync(f);
          if (st.isFile()) out.set(f, `${st.mtimeMs}:${st.size}`);
        } catch {
          // gone between the listing and the stat
        }
      }
    }
    return out;
  }

  close(): void {
    this.#closed = true;
    for (const key of [...this.#watchers.keys()]) this.#disarm(key);
    if (this.#polling) clearInterval(this.#polling);
    this.#polling = null;
  }
}
