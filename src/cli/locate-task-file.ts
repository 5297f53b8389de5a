/**
 * Where the task file is: the names it is found by, and the walk up from a directory. Loads no
 * ES module view of node:fs (the CLI's entry uses it before the load tracker wraps node:fs).
 */
import { fs } from '../util/fs.ts';
import { dirname, join, resolve } from '../util/path.ts';

/** The names a task file is found by, in order, in the working directory or a parent. */
export const TASK_FILE_NAMES = ['parproc.ts', 'parproc.mts', 'parproc.js', 'parproc.mjs'];

/**
 * The task file: `explicit` resolved from `cwd`, else the first default name in `cwd` or the
 * nearest parent that has one; `null` when there is none (an explicit one must be a file).
 */
export function locateTaskFile(cwd: string, explicit?: string): string | null {
  if (explicit !== undefined) {
    const path = resolve(cwd, explicit);
    try {
      return fs().statSync(path, { throwIfNoEntry: false })?.isFile() ? path : null;
    } catch {
      return null; // out of reach: a file where a directory should be, no permission
    }
  }
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    for (const name of TASK_FILE_NAMES) {
      const path = join(dir, name);
      if (fs().existsSync(path)) return path;
    }
    if (dirname(dir) === dir) return null;
  }
}
