/**
 * node:fs, loaded on first use. Loading it costs Bun several milliseconds, which `import 'parproc'`
 * and a child process of `mode: 'process'` should not pay before anything touches a file.
 */
let loaded: typeof import('node:fs') | null = null;

export function fs(): typeof import('node:fs') {
  loaded ??= require('node:fs') as typeof import('node:fs');
  return loaded;
}

/** Whether `path` is a directory now (missing or out of reach: no). */
export function isDirectory(path: string): boolean {
  try {
    return fs().statSync(path, { throwIfNoEntry: false })?.isDirectory() === true;
  } catch {
    return false;
  }
}

/** What a code means for the path it names (`EEXIST` from `mkdir` is handled apart). */
const IN_WORDS: Record<string, (path: string) => string> = {
  ENOTDIR: (p) => `a part of ${p} is a file, not a directory`,
  EACCES: (p) => `permission denied: ${p}`,
  EPERM: (p) => `permission denied: ${p}`,
  EROFS: (p) => `read-only file system: ${p}`,
  ENOSPC: (p) => `no space left on the device of ${p}`,
};

/**
 * A file system error in words a user can act on, with its code: Node's message names the call
 * that failed instead (`EEXIST: file already exists, mkdir '/a'` when `/a` is a file where a
 * directory is wanted).
 */
export function fsErrorText(err: unknown): string {
  const e = err as { code?: unknown; path?: unknown; syscall?: unknown; message?: unknown } | null;
  const path = typeof e?.path === 'string' ? e.path : null;
  const code = typeof e?.code === 'string' ? e.code : '';
  if (path !== null) {
    if (code === 'EEXIST' && e?.syscall === 'mkdir') return `${path} is a file, not a directory (EEXIST)`;
    const words = IN_WORDS[code];
    if (words !== undefined) return `${words(path)} (${code})`;
  }
  return typeof e?.message === 'string' ? e.message : String(err);
}

/** Reads `path` a chunk of at most `size` bytes at a time (bounded memory for any file). Throws as node:fs does. */
export function readInChunks(path: string, size: number, each: (bytes: Uint8Array) => void): void {
  const f = fs();
  const fd = f.openSync(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(size);
    for (let got = f.readSync(fd, buf, 0, size, null); got > 0; got = f.readSync(fd, buf, 0, size, null)) each(buf.subarray(0, got));
  } finally {
    f.closeSync(fd);
  }
}
