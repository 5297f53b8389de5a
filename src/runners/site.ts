/**
 * Where a function proc was defined. `proc()`/`proto()` capture an Error (cheap: the stack text is
 * only formatted when asked for, i.e. when the proc runs in a worker or child process); its first
 * frame outside parproc's own code is the call site in the user's module.
 */
import { dirname } from 'node:path';

/** The module that called `proc()`/`proto()`, and the call's `file:line:column`. */
export interface DefinitionSite {
  readonly file: string;
  readonly key: string;
}

/** parproc's own source directory (or, in the compiled binary, its virtual file system). */
const OWN_DIR = dirname(import.meta.dir);

/**
 * parproc's own frames: its source tree, or in the compiled binary the bundle (`/$bunfs/`) and its
 * source-mapped paths, which are relative to the build machine (`/../…/src/x.ts`).
 */
const isOwn = (file: string): boolean =>
  file.startsWith(`${OWN_DIR}/`) || file.startsWith('/$bunfs/') || file.startsWith('node:') || file.startsWith('/../');

/**
 * Captures the stack of a call to `entry` (a public registration method): frames from `entry`
 * up are left out, so the first frame is the caller's.
 */
export function captureSite(entry: (...args: never[]) => unknown): Error {
  const holder = { stack: '', name: 'Error', message: 'definition site' } as Error;
  Error.captureStackTrace(holder, entry);
  return holder;
}

const FRAME = /\(?((?:file:\/\/)?\/[^()]*?):(\d+):(\d+)\)?\s*$/;

/** The first frame outside parproc of a captured stack, or `null` (defined from eval, a REPL). */
export function resolveSite(captured: Error): DefinitionSite | null {
  for (const line of String(captured.stack ?? '').split('\n').slice(1)) {
    const m = FRAME.exec(line);
    if (!m) continue;
    const file = (m[1] as string).replace(/^file:\/\//, '');
    if (isOwn(file)) continue;
    return { file, key: `${file}:${m[2]}:${m[3]}` };
  }
  return null;
}
