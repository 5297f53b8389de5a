/**
 * The public error classes of API.md.
 *
 * Two copies of the library may be loaded in one process (a task file's local install beside the
 * binary), so errors are recognised by a brand stored under a `Symbol.for` key, never by
 * `instanceof` alone: a `ProcSkippedError` thrown by one copy is still a skip for the other.
 */

const BRAND = Symbol.for('parproc.error-kind');

/** The kinds of error parproc recognises across library copies. */
export type ErrorKind =
  | 'user'
  | 'process'
  | 'proc-failed'
  | 'proc-skipped'
  | 'proc-no-change'
  | 'command';

function brand(err: Error, kind: ErrorKind): void {
  Object.defineProperty(err, BRAND, { value: kind, enumerable: false });
}

/** The kind of a parproc error from any loaded copy of the library, or `null`. */
export function errorKind(err: unknown): ErrorKind | null {
  if (err !== null && typeof err === 'object' && BRAND in err) {
    return (err as Record<symbol, ErrorKind>)[BRAND] ?? null;
  }
  return null;
}

/**
 * Misuse of the public API: bad definitions, options or calls. The message names the proc, option
 * or value at fault; `code` is a stable machine-readable tag (e.g. `E_UNKNOWN_PROC`).
 */
export class UserError extends Error {
  override name = 'UserError';
  constructor(
    message: string,
    /** A stable tag for the kind of misuse, after citty's `CLIError(message, code)`. */
    readonly code: string = 'E_USER',
  ) {
    super(message);
    brand(this, 'user');
  }
}

/** Thrown by `wait`/`waitForAll` when a waited proc failed. */
export class ProcessError extends Error {
  override name = 'ProcessError';
  constructor(
    /** Names of the waited procs that ended `failed` or `failed-dep`. */
    readonly failed: string[],
  ) {
    super(`Process error: ${failed.length} proc(s) failed: ${failed.slice(0, 10).join(', ')}${failed.length > 10 ? ', …' : ''}`);
    brand(this, 'process');
  }
}

/** Thrown inside a proc to fail it with a message (`error: 'failed'`, `moreInfo: message`). */
export class ProcFailedError extends Error {
  override name = 'ProcFailedError';
  constructor(message = '') {
    super(message);
    brand(this, 'proc-failed');
  }
}

/** Thrown inside a proc to end it `skipped` (counts as success). */
export class ProcSkippedError extends Error {
  override name = 'ProcSkippedError';
  constructor(message = '') {
    super(message);
    brand(this, 'proc-skipped');
  }
}

/** Thrown inside a proc to end it `skipped` with error `no-change`: dependents see it as unchanged. */
export class ProcNoChangeError extends Error {
  override name = 'ProcNoChangeError';
  constructor(message = '') {
    super(message);
    brand(this, 'proc-no-change');
  }
}

/** A command started by a proc (or a command proc) exited non-zero. */
export class CommandError extends Error {
  override name = 'CommandError';
  constructor(
    /** The command as written (a shell string, or argv joined by spaces). */
    readonly command: string,
    /** The exit code; 128 + signal number when killed by a signal. */
    readonly exitCode: number,
    /** Everything the command wrote to stderr. */
    readonly stderr: string,
    /** Everything the command wrote to stdout. */
    readonly stdout: string = '',
    /** Why it could not be started, when it never ran (a missing program or working directory; exit code 127 or 126, as a shell says). */
    readonly notStarted: string | null = null,
  ) {
    super(`Command failed with exit code ${exitCode}: ${command}`);
    brand(this, 'command');
  }
}

/** A bug in parproc itself. */
export function internalError(message: string): Error {
  return new Error(`Internal error: ${message}`);
}

/** Exhaustiveness check for `switch` over unions. */
export function unreachable(value: never): never {
  throw internalError(`unexpected value ${JSON.stringify(value)}`);
}
