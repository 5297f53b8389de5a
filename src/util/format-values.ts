/**
 * `console.log`-style formatting of values (no colours), for `ctx.log` and captured console
 * output. node:util is loaded on first use: a child process that logs nothing never pays for it.
 */
let format: ((opts: { colors: boolean }, ...values: unknown[]) => string) | null = null;

export function formatValues(values: unknown[]): string {
  format ??= (require('node:util') as typeof import('node:util')).formatWithOptions;
  return format({ colors: false }, ...values);
}
