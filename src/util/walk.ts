/**
 * The files under a directory, by a walk of parproc's own: Bun's recursive `readdirSync` follows
 * symlinks to directories, and a loop of them (`current -> .`) ends it in ELOOP. Like the input
 * globs, this walk lists files (a symlink to a file is one) and descends through no symlink.
 */
import { fs } from './fs.ts';
import { join } from './path.ts';

/**
 * Calls `each(path, rel)` for every file under `dir` (regular, or a symlink to one) (`rel`: its POSIX path relative to
 * `dir`). A directory that cannot be read throws, unless `skipUnreadable` (then it is left out);
 * one whose name `skipDir` takes is not entered.
 */
export function walkFiles(dir: string, each: (path: string, rel: string) => void, skipUnreadable = false, skipDir: (name: string) => boolean = () => false): void {
  const walk = (at: string, rel: string): void => {
    let entries;
    try {
      entries = fs().readdirSync(at, { withFileTypes: true });
    } catch (err) {
      if (skipUnreadable) return;
      throw err;
    }
    for (const entry of entries) {
      const path = rel === '' ? entry.name : `${rel}/${entry.name}`;
      if (entry.isDirectory()) {
        if (!skipDir(entry.name)) walk(join(at, entry.name), path);
      } else if (entry.isFile() || (entry.isSymbolicLink() && linksToFile(join(at, entry.name)))) each(join(at, entry.name), path);
    }
  };
  walk(dir, '');
}

/** Whether a symlink leads to a regular file (one to a directory, or dangling, does not). */
function linksToFile(path: string): boolean {
  try {
    return fs().statSync(path).isFile();
  } catch {
    return false;
  }
}
