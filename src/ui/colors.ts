/**
 * picocolors, with its colour decision made without touching `process.stdout`: picocolors reads
 * `process.stdout.isTTY` when it loads, and Bun builds the whole Node stream stack on that first
 * touch (about 20 ms, more than a no-op run costs). The decision is picocolors' own — NO_COLOR
 * and `--no-color` off; FORCE_COLOR, `--color`, a terminal (TERM not dumb) or CI on — with the
 * terminal test done on the file descriptor.
 */
import type { Colors } from 'picocolors/types';
import { isTerminal } from '../util/tty.ts';

type Picocolors = Colors & { createColors: (enabled?: boolean) => Colors };

/** Whether output gets colours, as picocolors would decide for stdout. */
export function colorSupported(): boolean {
  const env = process.env;
  const argv = process.argv;
  if (env.NO_COLOR || argv.includes('--no-color')) return false;
  return Boolean(env.FORCE_COLOR) || argv.includes('--color') || process.platform === 'win32' || (isTerminal(1) && env.TERM !== 'dumb') || Boolean(env.CI);
}

function load(): Picocolors {
  // Loaded with NO_COLOR set, its own check stops before it reaches process.stdout.
  const env = process.env;
  const saved = env.NO_COLOR;
  env.NO_COLOR = '1';
  try {
    return require('picocolors') as Picocolors;
  } finally {
    if (saved === undefined) delete env.NO_COLOR;
    else env.NO_COLOR = saved;
  }
}

const pc: Colors = load().createColors(colorSupported());
export default pc;
