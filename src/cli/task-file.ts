/**
 * Finding and loading the task file. Loading makes `import … from 'parproc'` resolve to the
 * running parproc — from the standalone binary with no node_modules, from `bun src/cli.ts`, and
 * over a local install — through a Bun runtime plugin's virtual module, so there is one registry.
 * (The default manager also lives on `globalThis`, so even a second copy would share it.)
 */
import { isDirectory } from '../util/fs.ts';
import { dirname, join, relative, resolve } from '../util/path.ts';
import { registerSelfModule } from '../self-module.ts';
import { withFallbackSink, writeStderr } from '../util/stdio.ts';
import { CliError, TaskFileError } from './errors.ts';
import { locateTaskFile, TASK_FILE_NAMES } from './locate-task-file.ts';
import { startTracking, stopTracking, type LoadRecord } from './load-tracker.ts';
import { nextTopLevelStop, watchTopLevelStops } from '../runners/top-level-stop.ts';
import { onStall } from '../runners/stall.ts';


/** The task file: `explicit` (relative to cwd), else the first default name here or in a parent. */
export function findTaskFile(cwd: string, explicit?: string): string {
  const found = locateTaskFile(cwd, explicit);
  if (found !== null) return found;
  if (explicit !== undefined) throw new CliError(isDirectory(resolve(cwd, explicit)) ? `task file ${explicit} is a directory (name a file in it with -f, or use -C ${explicit})` : `task file not found: ${explicit}`);
  throw new CliError(`no task file: none of ${TASK_FILE_NAMES.join(', ')} in ${cwd} or its parents (use -f, or parproc init)`);
}

/**
 * Imports the task file; any failure becomes one `CliError` line naming the file and line. With
 * `stdoutToStderr` (`--json`), what its top-level code prints goes to stderr, keeping stdout for
 * NDJSON. Returns what the load depended on (./load-tracker.ts).
 */
export async function loadTaskFile(path: string, stdoutToStderr = false): Promise<LoadRecord | null> {
  await registerSelfModule(() => import('../index.ts'));
  // A file written as a script (`await waitForAll()` at its top level, then maybe a report or
  // `process.exit`) stops at that wait: the CLI runs what it registered, and what follows never
  // runs before the run it was written to follow (top-level-stop.ts).
  // A top-level await that nothing can settle: the event loop runs empty (the process would end, exit 0).
  let stopStall = (): unknown => undefined;
  const stalled = new Promise<never>((_, reject) => {
    stopStall = onStall(() => reject(new Error('it never finished loading: a top-level await waits on a promise that nothing left (no timer, I/O or process) can settle')));
  });
  const load = () => Promise.race([import(path), nextTopLevelStop(), stalled]);
  const unwatch = watchTopLevelStops();
  startTracking(path);
  try {
    await (stdoutToStderr ? withFallbackSink({ write: (_stream, text) => writeStderr(text) }, load) : load());
  } catch (err) {
    stopTracking();
    throw new TaskFileError(describeLoadError(path, err));
  } finally {
    unwatch();
    stopStall();
  }
  return stopTracking();
}

function describeLoadError(path: string, err: unknown): string {
  const shown = relative(process.cwd(), path) || path;
  // Several parse errors come as an AggregateError of BuildMessages: the first one tells.
  const inner = (err as { errors?: unknown[] })?.errors;
  if (Array.isArray(inner) && inner.length > 0 && (inner[0] as { position?: unknown })?.position) return describeLoadError(path, inner[0]);
  const e = err as { message?: string; position?: { file?: string; line?: number; column?: number }; stack?: string; name?: string };
  // A parse error (Bun's BuildMessage) carries its position.
  if (e?.position && typeof e.position.line === 'number') {
    const file = e.position.file ? relative(process.cwd(), e.position.file) || e.position.file : shown;
    return `error in task file ${file}:${e.position.line}:${e.position.column ?? 0}: ${e.message}`;
  }
  const message = e?.message ?? String(err);
  // A throw at the top level: find the first stack frame inside the task file's directory.
  const dir = dirname(path);
  const frame = String(e?.stack ?? '')
    .split('\n')
    .map((l) => /\(?((?:\/|[A-Za-z]:\\)[^():]+):(\d+):(\d+)\)?\s*$/.exec(l))
    .find((m) => m && m[1]?.startsWith(dir) && !m[1].includes('node_modules'));
  const where = frame ? `${relative(process.cwd(), frame[1] as string) || frame[1]}:${frame[2]}` : shown;
  // The kind of a thrown error tells (`TypeError: …`); Bun's own ResolveMessage says nothing more.
  const kind = e?.name && e.name !== 'Error' && e.name !== 'ResolveMessage' ? `${e.name}: ` : '';
  return `error in task file ${where}: ${kind}${message.split('\n')[0]}`;
}
