/**
 * node:path, loaded on first call. In the bundled library (CommonJS with bytecode) each builtin
 * module is loaded where it is imported, and node:path (with node:os, for the temp dir) was most
 * of what `import 'parproc'` cost; the functions here load it only when a path is first worked on.
 * POSIX and Windows alike: each call goes to the platform's own node:path.
 */
type Path = typeof import('node:path');

let loaded: Path | null = null;
const path = (): Path => (loaded ??= require('node:path') as Path);

export const sep: string = process.platform === 'win32' ? '\\' : '/';
export const join: Path['join'] = (...parts) => path().join(...parts);
export const resolve: Path['resolve'] = (...parts) => path().resolve(...parts);
export const dirname: Path['dirname'] = (p) => path().dirname(p);
export const relative: Path['relative'] = (from, to) => path().relative(from, to);
export const isAbsolute: Path['isAbsolute'] = (p) => path().isAbsolute(p);
export const extname: Path['extname'] = (p) => path().extname(p);
