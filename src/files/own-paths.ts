/**
 * parproc's own files in a project: its log dir, the task DB with its WAL and shared-memory
 * files, and the trace. They change at every run, so no input takes them (a proc would never be
 * up to date) and watching never reacts to them (each run would start the next).
 */
import { resolve } from '../util/path.ts';

/** The absolute paths of parproc's own files for these settings (`null`: not in use). */
export function ownPaths(logDir: string | null, taskDbPath: string | null, traceFile: string | null): string[] {
  const out: string[] = [];
  if (logDir !== null) out.push(resolve(logDir));
  if (taskDbPath !== null) for (const ext of ['', '-wal', '-shm']) out.push(resolve(taskDbPath) + ext);
  if (traceFile !== null) out.push(resolve(traceFile));
  return out;
}
