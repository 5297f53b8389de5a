/**
 * node:fs, loaded on first use. Loading it costs Bun several milliseconds, which `import 'parproc'`
 * and a child process of `mode: 'process'` should not pay before anything touches a file.
 */
let loaded: typeof import('node:fs') | null = null;

export function fs(): typeof import('node:fs') {
  loaded ??= require('node:fs') as typeof import('node:fs');
  return loaded;
}

/**
 * A file system error in words a user can act on, with its code: Node's message names the call
 * that failed instead (`EEXIST: file already exists, mkdir '/a'` when `/a` is a file where a
 * directory is wanted).
 */
export function fsErrorText(err: unknown): string {
  const e = err as { code?: unknown; path?: unknown; syscall?: unknown; message?: unknown };
  const path = typeof e?.path === 'string' ? e.path : null;
  const code = typeof e?.code === 'string' ? e.code : null;
  const words =
    path === null
      ? null
      : code === 'EEXIST' && e.syscall === 'mkdir'
        ? `${path} is a file, not a directory`
        : code === 'ENOTDIR'
          ? `a part of ${path} is a file, not a directory`
          : code === 'EACCES' || code === 'EPERM'
            ? `permission denied: ${path}`
            : code === 'EROFS'
              ? `read-only file system: ${path}`
              : code === 'ENOSPC'
                ? `no space left on the device of ${path}`
                : null;
  if (words !== null) return `${words} (${code})`;
  return typeof e?.message === 'string' ? e.message : String(err);
}
