/**
 * `console.log`-style formatting of values (no colours), for `ctx.log` and captured console
 * output. node:util is loaded on first use: a child process that logs nothing never pays for it.
 */
let format: ((opts: { colors: boolean }, ...values: unknown[]) => string) | null = null;

export function formatValues(values: unknown[]): string {
  format ??= (require('node:util') as typeof import('node:util')).formatWithOptions;
  return format({ colors: false }, ...values);
}

/** A wrong value as an error message names it: `"x"`, `3`, `undefined`, `a function`, `an array`. */
export function shownValue(v: unknown): string {
  if (typeof v === 'function') return 'a function';
  if (Array.isArray(v)) return 'an array';
  if (v === undefined) return 'undefined';
  if (typeof v === 'bigint' || typeof v === 'symbol') return String(v);
  return JSON.stringify(v) ?? String(v);
}
