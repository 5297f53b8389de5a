/** CLI failures and how they end the process (API.md exit codes). */
import { errorKind } from '../errors.ts';

/** A usage or definition problem: one line on stderr, exit 2. */
export class CliError extends Error {
  override name = 'CliError';
}

/** The task file does not load or define a sound graph (a syntax error, a throw, an unknown dep). */
export class TaskFileError extends CliError {
  override name = 'TaskFileError';
}

/** Exit codes of API.md. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** The one line a usage/definition error prints, or `null` for a bug (which prints its stack). */
export function usageMessage(err: unknown): string | null {
  if (err instanceof CliError) return err.message;
  if (errorKind(err) === 'user') return (err as Error).message;
  return null;
}
