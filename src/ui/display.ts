/** Picks the display: the live one on a terminal when `dynamic`, the plain one otherwise. */
import type { RunEvent } from '../events.ts';
import { writeStderr, writeStdout } from '../util/stdio.ts';
import { isTerminal } from '../util/tty.ts';
import { StaticReporter, type ReporterContext } from './static-reporter.ts';

export interface Reporter {
  onEvent(e: RunEvent): void;
  /** Whether this is the live display (redrawn in place), not lines. */
  readonly live: boolean;
  /** Restores the terminal (live display); a no-op for others. */
  dispose(): void;
}

/** The display for `stream`: live only if asked for, on a TTY, and not in `debug`. */
export function createDisplay(stream: 'stdout' | 'stderr', dynamic: boolean, ctx: ReporterContext): Reporter {
  // The descriptor is asked, not `process.stdout` (whose first touch costs Bun ~20 ms); the live
  // display, on a terminal, uses the stream for its size and resize events.
  const isTTY = isTerminal(stream === 'stdout' ? 1 : 2);
  const write = stream === 'stdout' ? writeStdout : writeStderr;
  if (dynamic && isTTY && !ctx.options().debug) {
    // Loaded only here: a run whose output is not a terminal never loads the live display.
    const { DynamicReporter, processTerminal } = require('./dynamic-reporter.ts') as typeof import('./dynamic-reporter.ts');
    const r = new DynamicReporter(processTerminal(stream === 'stdout' ? process.stdout : process.stderr, write), ctx);
    return { onEvent: r.onEvent, live: true, dispose: () => r.dispose() };
  }
  const r = new StaticReporter({ write, color: colorFor({ isTTY }), ...ctx });
  return { onEvent: r.onEvent, live: false, dispose: () => {} };
}

/** Colours only for a terminal (or FORCE_COLOR), never with NO_COLOR or TERM=dumb. */
export function colorFor(stream: { isTTY?: boolean }): boolean {
  const env = process.env;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  return Boolean(stream.isTTY) && env.TERM !== 'dumb';
}
