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

const isOwn = (file: string): boolean => file.startsWith(`${OWN_DIR}/`) || file.startsWith('/$bunfs/') || file.startsWith('node:');

/** Captures the current stack for `resolveSite`. */
export function captureSite(): Error {
  return new Error('definition site');
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
