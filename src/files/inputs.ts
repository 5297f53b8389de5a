/**
 * A proc's inputs (SPEC 6): paths, globs (`**` recursive, Bun.Glob) and FileSpecFns, expanded at
 * check time (a directory: the files under it); minus `inputsIgnore` and `globalInputsIgnore` (a path removes a whole directory;
 * ignore globs are matched, never expanded on disk); plus, with `trackImports`, the first-party
 * modules the TS/JS inputs import.
 */
import { dirname, isAbsolute, isWithin, relative, resolve, sep } from '../util/path.ts';
import { UserError } from '../errors.ts';
import { hasGlob } from '../graph/pattern.ts';
import type { DepContext, FileSpecFn } from '../types.ts';
import { trackedImports } from './imports.ts';
import { allStrings } from '../util/lists.ts';
import { statFile, type FileStat } from './stat-pass.ts';

export interface InputSpec {
  inputs: readonly (string | FileSpecFn)[];
  ignore: readonly (string | FileSpecFn)[];
  trackImports: boolean;
  importRoots: readonly string[];
  /** Relative paths and globs are taken from here. */
  base: string;
  /** parproc's own files and directories (its logs, the task DB): never inputs found by expanding a directory. */
  own?: readonly string[];
}

export function expandSpecs(specs: readonly (string | FileSpecFn)[], c: DepContext, what: string): string[] {
  const out: string[] = [];
  for (const s of specs) {
    if (typeof s === 'string') {
      out.push(s);
      continue;
    }
    let got: unknown;
    try {
      got = s(c);
    } catch (err) {
      throw new UserError(`proc "${c.procName}": an ${what} function threw: ${(err as Error).message}`, 'E_INPUTS');
    }
    if (!Array.isArray(got) || !allStrings(got)) {
      throw new UserError(`proc "${c.procName}": an ${what} function must return an array of paths or globs`, 'E_INPUTS');
    }
    out.push(...got);
  }
  return out;
}

/** A predicate for ignored absolute paths. */
export function ignoreMatcher(specs: string[], base: string): (abs: string) => boolean {
  if (specs.length === 0) return ignoreNothing;
  const dirs: string[] = [];
  const globs: Bun.Glob[] = [];
  for (const s of specs) {
    if (hasGlob(s)) globs.push(new Bun.Glob(s));
    else dirs.push(resolve(base, s));
  }
  return (abs) => {
    for (const d of dirs) if (isWithin(abs, d)) return true;
    if (globs.length === 0) return false;
    const rel = relative(base, abs).split(sep).join('/');
    for (const g of globs) if (g.match(rel) || g.match(abs)) return true;
    return false;
  };
}

const ignoreNothing = (): boolean => false;

/**
 * Absolute paths of the resolved inputs, sorted, without duplicates. A directory stands for every
 * file under it (as `dir/**` would), not for its own mtime, which changes only when an entry is
 * added or removed; parproc's own `.parproc` directories and `.git` inside it are left out.
 * `stat` may be a pass's (the fingerprints stat the same paths next).
 */
export function resolveInputs(spec: InputSpec, c: DepContext, stat: (abs: string) => FileStat | undefined = statFile): string[] {
  // The common case — one path, nothing ignored — without sets and sorting.
  const only = spec.inputs.length === 1 && spec.ignore.length === 0 && !spec.trackImports ? spec.inputs[0] : undefined;
  if (typeof only === 'string' && !hasGlob(only)) {
    const abs = resolve(spec.base, only);
    return isDirectory(stat(abs)) ? filesUnder(abs, spec.own, stat).sort() : [abs];
  }
  const ignored = ignoreMatcher(expandSpecs(spec.ignore, c, 'inputsIgnore'), spec.base);
  const found = new Set<string>();
  for (const s of expandSpecs(spec.inputs, c, 'inputs')) {
    if (!hasGlob(s)) {
      const abs = resolve(spec.base, s);
      // Never parproc's own files (its logs, the task DB), whoever named them: a FileSpecFn's or
      // regexFiles' list too. They change at every run, and the proc would never be up to date.
      if (ignored(abs) || isOwn(abs, spec.base, spec.own)) continue;
      if (!isDirectory(stat(abs))) found.add(abs);
      else for (const f of filesUnder(abs, spec.own, stat)) if (!ignored(f)) found.add(f);
      continue;
    }
    // As in a shell (and the original's Python glob): `*` and `**` pass over names that start with
    // a dot (.git, .env, .cache) unless the pattern names them (`.env`, `src/.gen/*.ts`).
    for (const abs of scanGlob(s, spec.base, stat, false)) if (!ignored(abs) && !isOwn(abs, spec.base, spec.own)) found.add(abs);
  }
  if (spec.trackImports) {
    for (const dep of trackedImports([...found], spec.importRoots)) if (!ignored(dep)) found.add(dep);
  }
  return [...found].sort();
}

/**
 * The files a glob matches (relative to `base`, or absolute), as absolute paths: scanned from the
 * glob's non-glob root, so absolute globs work too. A symlink to a file is a file (its target's
 * stat is its fingerprint); no symlink to a directory is followed, so a loop of them is no error.
 * `stat` sorts files from directories: a pass's, whose stats the fingerprints reuse.
 */
export function scanGlob(glob: string, base: string, stat: (abs: string) => FileStat | undefined = statFile, dot = true): string[] {
  const root = isAbsolute(glob) ? glob.slice(0, glob.search(/[*?[{]/)).replace(/[^/]*$/, '') || '/' : base;
  const pattern = isAbsolute(glob) ? glob.slice(root.length) : glob;
  const out: string[] = [];
  try {
    // `onlyFiles` would leave symlinks out: every entry is taken, and directories dropped.
    for (const rel of new Bun.Glob(pattern).scanSync({ cwd: root, onlyFiles: false, dot })) {
      const abs = resolve(root, rel);
      const st = stat(abs);
      if (st !== undefined && !isDirectory(st)) out.push(abs);
    }
  } catch (err) {
    // No root (yet): the glob matches nothing.
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTDIR') throw err;
  }
  return out;
}

const isDirectory = (st: FileStat | undefined): boolean => st?.isDirectory?.() === true;

/**
 * The files under a directory (absolute), without parproc's own `.parproc` and VCS's `.git`, nor
 * `own` (a log dir or task DB set elsewhere in the tree): they change at every run.
 */
function filesUnder(dir: string, own: readonly string[] = [], stat: (abs: string) => FileStat | undefined = statFile): string[] {
  const out: string[] = [];
  for (const abs of scanGlob('**', dir, stat)) if (!abs.slice(dir.length).includes('/.git/') && !isOwn(abs, dir, own)) out.push(abs);
  return out;
}

/**
 * Whether a file found under `root` is parproc's own: under a `.parproc` directory below `root`,
 * or in `own` (a log dir, the task DB). A glob (`**\/*`) never takes it either.
 */
function isOwn(abs: string, root: string, own: readonly string[] = []): boolean {
  if (abs.startsWith(root) && abs.slice(root.length).includes('/.parproc/')) return true;
  return own.some((o) => isWithin(abs, o));
}

/**
 * Whether `abs`, found under a glob's root, is one a glob scan leaves out (a name that starts with
 * a dot, below the root) — unless the glob names a dot entry itself, which is then let through.
 */
export function hiddenFromGlob(abs: string, glob: string, base: string): boolean {
  if (/(^|\/)\.(?!\.?(\/|$))/.test(glob)) return false; // a dot entry named (`.env`, `src/.gen/*`; not `./`, `../`)
  const root = globRoot(glob, base);
  const rest = abs.startsWith(root) ? abs.slice(root.length) : abs;
  return /\/\./.test(rest.startsWith('/') ? rest : `/${rest}`);
}

/** The non-glob directory a glob starts from (absolute). */
export function globRoot(glob: string, base: string): string {
  const at = glob.search(/[*?[{]/);
  const prefix = glob.slice(0, at < 0 ? glob.length : at);
  const dir = prefix.endsWith('/') ? prefix : dirname(prefix);
  return resolve(base, dir === '.' ? '' : dir);
}

/** How a path is shown and keyed: relative to `base` when inside it. */
export function displayPath(abs: string, base: string): string {
  // Inside `base`, without `.`/`..` segments (resolved paths have none): the rest of the path.
  if (abs.length > base.length + 1 && abs.startsWith(base) && abs[base.length] === '/' && base !== '/') return abs.slice(base.length + 1);
  const rel = relative(base, abs);
  return rel === '' || rel.startsWith('..') || isAbsolute(rel) ? abs : rel.split(sep).join('/');
}
