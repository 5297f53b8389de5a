/**
 * Maps what user code did to an `Outcome` (SPEC 5). The single place where a proc's throw becomes a
 * failure value (`convertExceptionToFailure` in wireit's terms).
 */
import { errorKind } from '../errors.ts';
import { toPlainData } from '../util/plain-data.ts';
import { isOwnStackLine } from './site.ts';
import type { JobLog, Outcome } from './runner.ts';

/** A returned value: succeeded with plain data, or `not-serializable`. */
export function outcomeFromValue(value: unknown, log: JobLog): Outcome {
  const plain = toPlainData(value);
  if (plain.ok) return { state: 'succeeded', error: null, moreInfo: null, output: plain.value };
  const msg = `Return value is not serializable: ${plain.reason}`;
  log.line(msg, 'stderr');
  return { state: 'failed', error: 'not-serializable', moreInfo: msg, output: null };
}

/** What a thrown value says: an Error's message; an object thrown as it is, shown as Bun shows it (not "[object Object]"). */
const text = (x: unknown): string => (x instanceof Error ? x.message : typeof x === 'object' && x !== null ? Bun.inspect(x, { compact: true, colors: false } as never) : String(x));

const isFrame = (l: string): boolean => /^\s+at /.test(l);
/** A frame of the runtime's own (`at replace (unknown)`, `at map (native)`): no place to look. */
const isNativeFrame = (l: string): boolean => isFrame(l) && /\((?:unknown|native|<anonymous>)\)$|\[native code\]/.test(l.trim());

/** A stack without parproc's own frames, nor the runtime's when no frame of the user's is left. */
function userStack(stack: string): string {
  const lines = stack.split('\n').filter((l) => !isOwnStackLine(l));
  return lines.filter(isFrame).every(isNativeFrame) ? lines.filter((l) => !isFrame(l)).join('\n') : lines.join('\n');
}

/** A thrown value: skipped, no-change, failed or exception; writes the explanation to the log. */
export function outcomeFromError(err: unknown, log: JobLog): Outcome {
  const kind = errorKind(err);
  const message = text(err);
  switch (kind) {
    case 'proc-skipped':
      return { state: 'skipped', error: 'skipped', moreInfo: message || null, output: null };
    case 'proc-no-change':
      return { state: 'skipped', error: 'no-change', moreInfo: message || null, output: null };
    case 'proc-failed':
      if (message) log.line(message, 'stderr');
      return { state: 'failed', error: 'failed', moreInfo: message || null, output: null };
    case 'command': {
      const { exitCode, command, notStarted } = err as { exitCode: number; command: string; notStarted?: string | null };
      // A shell's own codes for a program it could not find or run (its stderr, in the log, says which).
      const shellSays = notStarted ? '' : exitCode === 127 ? ' (command not found)' : exitCode === 126 ? ' (not executable)' : '';
      const msg = `Command failed with exit code ${exitCode}${shellSays}`;
      log.line(`${msg}: ${command}`, 'stderr');
      // A command that never started says why (its log has it too), not just "exit code 127".
      return { state: 'failed', error: 'failed', moreInfo: notStarted ?? msg, output: null };
    }
    default: {
      const stack = err instanceof Error && err.stack ? userStack(err.stack) : message;
      log.line(stack.includes(message) ? stack : `${message}\n${stack}`, 'stderr');
      return { state: 'failed', error: 'exception', moreInfo: message.split('\n')[0] ?? null, output: null };
    }
  }
}
