/**
 * Path functions with node:path's results. On POSIX they are our own: loading node:path showed as
 * about half a millisecond in a sampled profile of a one-command run, which works on only a
 * handful of paths. On Windows each call goes to node:path, loaded on first use.
 * tests/unit/path.test.ts checks them against node:path.
 */
type Path = typeof import('node:path');

const WIN = process.platform === 'win32';
let loaded: Path | null = null;
const nodePath = (): Path => (loaded ??= require('node:path') as Path);

const SLASH = 47;
const DOT = 46;

export const sep: string = WIN ? '\\' : '/';

/** `path` between its leading and trailing slashes when no segment there is empty, `.` or `..`; else `null`. */
function alreadyNormal(path: string): string | null {
  let from = 0;
  let to = path.length;
  while (from < to && path.charCodeAt(from) === SLASH) from++;
  while (to > from && path.charCodeAt(to - 1) === SLASH) to--;
  let segment = from;
  for (let i = from; i <= to; i++) {
    if (i < to && path.charCodeAt(i) !== SLASH) continue;
    const len = i - segment;
    if (len === 0 || (path.charCodeAt(segment) === DOT && (len === 1 || (len === 2 && path.charCodeAt(segment + 1) === DOT)))) return null;
    segment = i + 1;
  }
  return path.slice(from, to);
}

/** `path`'s segments without `.` and empty ones, `..` applied (kept at the front when `above`). */
function normalized(path: string, above: boolean): string {
  const normal = alreadyNormal(path);
  if (normal !== null) return normal;
  const out: string[] = [];
  for (const seg of path.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg !== '..') out.push(seg);
    else if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
    else if (above) out.push('..');
  }
  return out.join('/');
}

function normalize(path: string): string {
  const absolute = path.charCodeAt(0) === SLASH;
  const trailing = path.charCodeAt(path.length - 1) === SLASH;
  const body = normalized(path, !absolute);
  if (body === '') return absolute ? '/' : trailing ? './' : '.';
  const withEnd = trailing ? `${body}/` : body;
  return absolute ? `/${withEnd}` : withEnd;
}

export const join: Path['join'] = WIN
  ? (...parts) => nodePath().join(...parts)
  : (...parts) => {
      let joined = '';
      for (const part of parts) {
        if (typeof part !== 'string') throw new TypeError(`path.join: expected strings, got ${typeof part}`);
        if (part.length > 0) joined = joined === '' ? part : `${joined}/${part}`;
      }
      return joined === '' ? '.' : normalize(joined);
    };

export const resolve: Path['resolve'] = WIN
  ? (...parts) => nodePath().resolve(...parts)
  : (...parts) => {
      let path = '';
      for (let i = parts.length - 1; i >= -1; i--) {
        const part = i >= 0 ? (parts[i] as string) : process.cwd();
        if (typeof part !== 'string') throw new TypeError(`path.resolve: expected strings, got ${typeof part}`);
        if (part.length === 0) continue;
        path = path === '' ? part : `${part}/${path}`;
        if (part.charCodeAt(0) === SLASH) break;
      }
      const absolute = path.charCodeAt(0) === SLASH;
      const body = normalized(path, !absolute);
      return absolute ? `/${body}` : body || '.';
    };

export const dirname: Path['dirname'] = WIN
  ? (p) => nodePath().dirname(p)
  : (p) => {
      if (p.length === 0) return '.';
      const rooted = p.charCodeAt(0) === SLASH;
      // The end of the last segment's preceding slash, trailing slashes skipped.
      let end = -1;
      let inTrailingSlashes = true;
      for (let i = p.length - 1; i >= 1; i--) {
        if (p.charCodeAt(i) !== SLASH) inTrailingSlashes = false;
        else if (!inTrailingSlashes) {
          end = i;
          break;
        }
      }
      if (end === -1) return rooted ? '/' : '.';
      if (rooted && end === 1) return '//';
      return p.slice(0, end);
    };

export const relative: Path['relative'] = WIN
  ? (from, to) => nodePath().relative(from, to)
  : (from, to) => {
      if (from === to) return '';
      const f = resolve(from);
      const t = resolve(to);
      if (f === t) return '';
      const fromSegs = f === '/' ? [] : f.slice(1).split('/');
      const toSegs = t === '/' ? [] : t.slice(1).split('/');
      let same = 0;
      while (same < fromSegs.length && same < toSegs.length && fromSegs[same] === toSegs[same]) same++;
      const up: string[] = Array.from({ length: fromSegs.length - same }, () => '..');
      return [...up, ...toSegs.slice(same)].join('/');
    };

export const isAbsolute: Path['isAbsolute'] = WIN ? (p) => nodePath().isAbsolute(p) : (p) => p.charCodeAt(0) === SLASH;

export const extname: Path['extname'] = WIN
  ? (p) => nodePath().extname(p)
  : (p) => {
      let end = p.length;
      while (end > 1 && p.charCodeAt(end - 1) === SLASH) end--;
      const base = p.slice(p.lastIndexOf('/', end - 1) + 1, end);
      const dot = base.lastIndexOf('.');
      // No dot, a leading dot only (`.bashrc`), or `..`: no extension.
      if (dot <= 0 || base === '..') return '';
      return base.slice(dot);
    };

/** Whether `path` is `dir` or lies under it (both absolute and normalised). */
export const isWithin = (path: string, dir: string): boolean => path === dir || path.startsWith(dir.endsWith(sep) ? dir : dir + sep);
