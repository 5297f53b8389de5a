/**
 * Checks that every item of a list has one type. Loops, not `Array.prototype.every`: these run
 * for every proc of a run (its body, its statistics), and JavaScriptCore compiles `every` from
 * source at its first call in a process, about 0.03 ms of a one-command run's start.
 */

/** Whether every item is a string. */
export function allStrings(xs: readonly unknown[]): xs is string[] {
  for (let i = 0; i < xs.length; i++) if (typeof xs[i] !== 'string') return false;
  return true;
}

/** Whether every item is a number. */
export function allNumbers(xs: readonly unknown[]): xs is number[] {
  for (let i = 0; i < xs.length; i++) if (typeof xs[i] !== 'number') return false;
  return true;
}
