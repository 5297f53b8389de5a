/**
 * Errors a proc's code threw where nothing catches them: in a timer it set, in an event handler.
 * Bun ends the whole process for one — and with it the run, the other procs, the display and the
 * task DB's last writes. While inline function procs run, parproc takes those whose proc is known
 * (timers and handlers keep the async context they were set in, and a proc's code runs in one):
 *
 * - thrown by a running proc's code: that proc fails with `'exception'`, the stack in its log,
 *   and the other procs go on;
 * - thrown by a proc that has ended (a timer it left): a warning naming the proc and where it was
 *   thrown, and the run goes on;
 * - anything else (the script's own code, a promise nobody awaited) is not a proc's to take: it
 *   goes on to where it would have gone (`throwOn`) — but under the CLI, whose process is the
 *   run's, it is a warning (`warnOfStrays`).
 *
 * Likewise `process.exit` called by a proc's code (in its body, or a timer it set): it would end
 * the run with no summary and no history. Meanwhile it throws `ProcExitError` there instead, so
 * the proc fails with `'exception'` (or, from a proc that has ended, a warning); called by any
 * other code it exits as ever.
 */
import { currentSink } from '../util/stdio.ts';

export interface StrayOwner {
  /** The proc's name (for the warning about an error after it ended). */
  readonly name: string;
  /** The output sink its code runs with (the async context a timer keeps). */
  readonly sink: object;
  /** Fails the proc with the error. */
  fail(err: unknown): void;
  /** A warning of the run the proc is in. */
  warn(message: string): void;
}

/** A proc's code asked to end the process: it may end its proc, never the run. */
export class ProcExitError extends Error {
  override name = 'ProcExitError';
  constructor(readonly code: number) {
    super(`the proc called process.exit with code ${code}: a proc ends by returning or throwing; the process is the run's`);
  }
}

const running = new Set<StrayOwner>();
/** Procs by their sink, kept after they end (a timer they left may fire later). */
const bySink = new WeakMap<object, StrayOwner>();
let listening = false;
/** Set by the CLI, which owns its process (`warnOfStrays`). */
let fallback: ((message: string) => void) | null = null;

/** Takes the stray errors of `owner`'s code while it runs; returns the end of that. */
export function hearStrays(owner: StrayOwner): () => void {
  running.add(owner);
  bySink.set(owner.sink, owner);
  listen();
  return () => {
    running.delete(owner);
    if (running.size === 0 && fallback === null) stopListening();
  };
}

/**
 * The CLI's run owns its process: there, an error no proc can be named for — a promise a proc
 * rejected and nobody awaited, a throw that lost its async context — is a warning, and the run
 * goes on to its summary and its task-DB writes. Returns the end of that.
 */
export function warnOfStrays(warn: (message: string) => void): () => void {
  fallback = warn;
  listen();
  process.on('unhandledRejection', onRejection);
  return () => {
    fallback = null;
    process.off('unhandledRejection', onRejection);
    if (running.size === 0) stopListening();
  };
}

/** `process.exit` as it was, while procs' calls to it are turned into `ProcExitError`s. */
let realExit: typeof process.exit | null = null;

function listen(): void {
  if (listening) return;
  listening = true;
  process.on('uncaughtException', onStray);
  const real = process.exit;
  realExit = real;
  process.exit = function exit(code?: number | string | null): never {
    const sink = currentSink();
    if (sink !== undefined && bySink.has(sink)) throw new ProcExitError(Number(code ?? process.exitCode ?? 0) || 0);
    return real.call(process, code);
  } as typeof process.exit;
}

function stopListening(): void {
  if (!listening) return;
  listening = false;
  process.off('uncaughtException', onStray);
  if (realExit !== null) process.exit = realExit;
  realExit = null;
}

function onStray(err: unknown): void {
  const sink = currentSink();
  const owner = sink === undefined ? undefined : bySink.get(sink);
  if (owner !== undefined && running.has(owner)) owner.fail(err);
  else if (owner !== undefined) owner.warn(`proc "${owner.name}" threw after it ended: ${describe(err)}`);
  else if (fallback !== null) fallback(`an error no proc caught: ${describe(err)}`);
  else throwOn(err);
}

function onRejection(reason: unknown): void {
  fallback?.(`a promise was rejected and nothing awaited it: ${describe(reason)}`);
}

/**
 * An error that is not a proc's, passed on as if parproc were not listening: to the program's own
 * `uncaughtException` listeners, or else to Bun, which reports it where it was thrown (as a
 * rejection: a second throw would be reported at this line) and ends the process, or goes on
 * with exit code 1, as it does for the program's own errors.
 */
function throwOn(err: unknown): void {
  const others = process.listeners('uncaughtException').filter((l) => l !== onStray);
  if (others.length > 0) for (const l of others) l(err as Error, 'uncaughtException');
  else void Promise.reject(err);
}

/** The error's first line and, when its stack has one, where it was thrown. */
function describe(err: unknown): string {
  const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  const at = err instanceof Error ? /\n\s+at .*?\(?((?:\/|file:)[^()\s]+:\d+:\d+)\)?/.exec(err.stack ?? '')?.[1] : undefined;
  return at ? `${text.split('\n')[0]} (at ${at})` : (text.split('\n')[0] ?? text);
}
