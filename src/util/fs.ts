/**
 * node:fs, loaded on first use. Loading it costs Bun several milliseconds, which `import 'parproc'`
 * and a child process of `mode: 'process'` should not pay before anything touches a file.
 */
let loaded: typeof import('node:fs') | null = null;

export function fs(): typeof import('node:fs') {
  loaded ??= require('node:fs') as typeof import('node:fs');
  return loaded;
}
