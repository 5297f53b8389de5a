/**
 * Parses API.md's `Duration`: a number of seconds, or `'300ms'`, `'4s'`, `'4 minutes'`, `'2h'`,
 * `'1d'` — and sums of them, as Go and systemd write them and as `formatDuration` prints:
 * `'1h30m'`, `'2m05s'`, `'1 hour 30 minutes'`.
 */

const UNITS: Record<string, number> = {
  ms: 0.001, msec: 0.001, msecs: 0.001, millisecond: 0.001, milliseconds: 0.001,
  s: 1, sec: 1, secs: 1, second: 1, seconds: 1,
  m: 60, min: 60, mins: 60, minute: 60, minutes: 60,
  h: 3600, hr: 3600, hrs: 3600, hour: 3600, hours: 3600,
  d: 86400, day: 86400, days: 86400,
  w: 604800, wk: 604800, wks: 604800, week: 604800, weeks: 604800,
};

/** Seconds, or `null` when `value` is not a valid non-negative duration. */
export function parseDuration(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : null;
  if (typeof value !== 'string') return null;
  const bare = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*$/.exec(value);
  if (bare) return Number(bare[1]);
  // One or more `<number><unit>` parts, nothing else.
  const part = /\s*(\d+(?:\.\d+)?|\.\d+)\s*([a-z]+)\s*/iy;
  let total = 0;
  let parts = 0;
  for (let m = part.exec(value); m !== null; m = part.exec(value)) {
    const factor = UNITS[(m[2] as string).toLowerCase()];
    if (factor === undefined) return null;
    total += Number(m[1]) * factor;
    parts++;
    if (part.lastIndex === value.length) return total;
  }
  return parts > 0 && part.lastIndex === value.length ? total : null;
}

/** `12ms`, `3.4s`, `2m05s`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const m = Math.floor(ms / 60_000);
  const s = Math.floor((ms % 60_000) / 1000);
  return `${m}m${String(s).padStart(2, '0')}s`;
}
