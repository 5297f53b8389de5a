/**
 * The files under a directory, by a walk of parproc's own: Bun's recursive `readdirSync` follows
 * symlinks to directories, and a loop of them (`current -> .`) ends it in ELOOP. Like the input
 * globs, this walk lists regular files and follows no symlink.
 */
import { fs } from './fs.ts';
import { join } from './path.ts';

/**
 * Calls `each(path, rel)` for every regular file under `dir` (`rel`: its POSIX path relative to
 * `dir`). A directory that cannot be read throws, unless `skipUnreadable` (then it is left out).
 */
export function walkFiles(dir: string, each: (path: string, rel: string) => void, skipUnreadable = false): void {
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
      if (entry.isDirectory()) walk(join(at, entry.name), path);
      else if (entry.isFile()) each(join(at, entry.name), path);
    }
  };
  walk(dir, '');
}
