/**
 * Stats shared by the checks of one pass: while the scheduler checks ready procs, a file that
 * several procs name (a shared config, an output that is another proc's input) is stat'ed once.
 * A pass is one synchronous stretch of checks with no proc started in between, so its stats are
 * one moment's view of the disk; it ends at the next microtask or when a proc starts (whose code
 * may write files at once), and the next pass stats afresh. Verifying a proc's outputs after it
 * ran never goes through a pass.
 */
import { fs } from '../util/fs.ts';

/** What checks need of a file: its mtime and size, or `undefined` when it is missing. */
export interface FileStat {
  mtimeMs: number;
  size: number;
  /** There on a real stat (a directory input stands for the files under it). */
  isDirectory?: () => boolean;
}

/** Stats a path: `undefined` when it is missing, or cannot be reached (not a directory on the way, no permission). */
export function statFile(abs: string): FileStat | undefined {
  try {
    return fs().statSync(abs, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}

export class StatPass {
  /** Stats of this pass by path; `null` for a missing file. */
  #stats: Map<string, FileStat | null> | null = null;
  /** Sees every stat taken (the CLI's no-op seal keeps them). */
  onStat: ((abs: string, st: FileStat | null) => void) | null = null;

  /** `abs`'s stat, taken once in this pass. */
  readonly stat = (abs: string): FileStat | undefined => {
    let stats = this.#stats;
    if (stats === null) {
      this.#stats = stats = new Map();
      queueMicrotask(() => this.end());
    }
    const seen = stats.get(abs);
    if (seen !== undefined) return seen ?? undefined;
    const st = statFile(abs);
    stats.set(abs, st ?? null);
    this.onStat?.(abs, st ?? null);
    return st;
  };

  /** Ends the pass: the next stat of any path is taken afresh. */
  end(): void {
    this.#stats = null;
  }
}
