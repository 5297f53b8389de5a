/**
 * Where a function proc was defined. `proc()`/`proto()` capture a stack (cheap: its text is only
 * formatted when asked for, i.e. when the proc runs in a worker or child process); its first frame
 * outside parproc's own code is the call site in the user's module. A capture remembers which
 * copy of parproc made it, so frames of that copy are skipped even when another copy (a bundled
 * child) resolves it.
 */

/** The module that called `proc()`/`proto()`, and the call's `file:line:column`. */
export interface DefinitionSite {
  readonly file: string;
  readonly key: string;
}

/** A captured stack, with the test for the capturing copy's own frames. */
export interface SiteCapture {
  readonly error: Error;
  readonly isOwn: (file: string) => boolean;
}

/**
 * The file, line and column of a stack line (`at f (/a/b.ts:1:2)` or `at /a/b.ts:1:2`), or
 * `null`. Only absolute paths count: parproc's own frames in a compiled binary are relative,
 * source-mapped paths (`../../src/x.ts`), and a user's module is always loaded by absolute path.
 */
function parseFrame(line: string): [file: string, line: string, column: string] | null {
  const loc = frameLocation(line);
  if (loc === null) return null;
  const m = /^(.*):(\d+):(\d+)$/.exec(loc);
  if (!m) return null;
  const file = (m[1] as string).replace(/^file:\/\//, '');
  return file.startsWith('/') ? [file, m[2] as string, m[3] as string] : null;
}

/** Where a stack line points: `/a/b.ts:1:2` of `at f (/a/b.ts:1:2)` or `at /a/b.ts:1:2`; `null` without `at `. */
function frameLocation(line: string): string | null {
  const at = line.indexOf('at ');
  if (at < 0) return null;
  const loc = line.slice(at + 3).trim();
  return loc.endsWith(')') ? loc.slice(loc.lastIndexOf('(') + 1, -1) : loc;
}

const dirname = (path: string): string => path.slice(0, Math.max(path.lastIndexOf('/'), 0)) || '/';

let ownDir: string | null = null;

/**
 * parproc's own directory, from where this code really runs: `src/` for the sources, the bundle's
 * parent folder for a bundled child (where `import.meta.dir` still names the sources). Worked out
 * on first use (a stack is parsed), not when the library loads.
 */
function ownDirectory(): string {
  if (ownDir === null) {
    const frame = parseFrame(String(new Error().stack ?? '').split('\n')[1] ?? '');
    ownDir = dirname(frame ? dirname(frame[0]) : import.meta.dir);
  }
  return ownDir;
}

/**
 * This copy's own frames: its source tree, or in the compiled binary the bundle (`/$bunfs/`) and
 * its source-mapped paths, which are relative to the build machine (`/../…/src/x.ts`).
 */
const isOwn = (file: string): boolean =>
  file.startsWith(`${ownDirectory()}/`) || file.startsWith('/$bunfs/') || file.startsWith('node:') || file.startsWith('/../');

/**
 * Frames captured: the user's frame is within the first few — parproc's own (the capture, body,
 * proc, and in a bundled child the module-level wrapper: four), then any native ones between
 * (`map`, `forEach` when procs are made in a loop's callback), then the user's. Fewer frames are
 * also cheaper where parproc runs from bytecode; 5 cut a child's stack short of a `.map` caller.
 */
const SITE_FRAMES = 10;

/** Captures the current stack for `resolveSite`. */
export function captureSite(): SiteCapture {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = SITE_FRAMES;
  const error = new Error('definition site');
  Error.stackTraceLimit = limit;
  return { error, isOwn };
}

/**
 * Whether a stack line is one of parproc's own frames (left out of logged stacks): in its
 * directory, in the compiled binary's bundle, or a relative source-mapped path (the binary's).
 */
export function isOwnStackLine(line: string): boolean {
  if (!/^\s+at /.test(line)) return false;
  if (line.includes(`${ownDirectory()}/`) || line.includes('/$bunfs/') || line.includes('(node:')) return true;
  // The binary's source-mapped paths are relative to where it was built: `src/x.ts` when built in
  // the project, `../../src/x.ts` elsewhere. A user's module is always loaded by absolute path.
  const loc = frameLocation(line) ?? '';
  return /^[^/[][^()]*:\d+:\d+$/.test(loc) && !/^(?:node|file):/.test(loc);
}

/** The first frame outside parproc of a captured stack, or `null` (defined from eval, a REPL). */
export function resolveSite(captured: SiteCapture): DefinitionSite | null {
  for (const line of String(captured.error.stack ?? '').split('\n').slice(1)) {
    const frame = parseFrame(line);
    if (!frame || captured.isOwn(frame[0]) || isOwn(frame[0])) continue;
    return { file: frame[0], key: `${frame[0]}:${frame[1]}:${frame[2]}` };
  }
  return null;
}
