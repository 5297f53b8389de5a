/**
 * `parproc run --watch` under the CLI: a small supervisor process runs the real CLI as a child
 * (which runs the targets, then watches their inputs) and watches the task file and the
 * first-party modules it imports. When one of them changes, the child is stopped and started
 * again — a fresh process, so the graph is rebuilt from the new definitions, and the originally
 * requested targets run again. A syntax error in the edited file is one clear line, and watching
 * goes on (the running child keeps watching with the old definitions); one at the start is waited
 * out the same way, with no child until it is fixed. A task file that parses but does not load (a
 * throw at its top level, an unknown dep) ends the child with BROKEN_TASK_FILE_EXIT, and is waited
 * out too. Ctrl+C ends the child's
 * procs, and the supervisor exits with the child's code.
 */
import { readFileSync } from 'node:fs';
import { dirname, relative } from '../util/path.ts';
import { projectModules } from '../files/imports.ts';
import { writeStderr } from '../util/stdio.ts';
import { FileWatcher } from '../watch/file-watcher.ts';

/** Set in the child's environment: it runs and watches inputs, and is not a supervisor itself. */
export const WATCH_CHILD_ENV = 'PARPROC_WATCH_CHILD';
/** Set beside it: the supervisor's pid, for the child to see whether it is still its parent. */
export const WATCH_PARENT_ENV = 'PARPROC_WATCH_PARENT';
/** The child's exit code for a task file that does not load: the supervisor waits for a fix. */
export const BROKEN_TASK_FILE_EXIT = 86;
/** A repeated signal within this long is the same press (terminal + supervisor deliver it twice). */
export const SAME_SIGNAL_MS = 300;
/** The signal the supervisor sends for a reload; the child stops quietly. */
export const RELOAD_SIGNAL = 'SIGUSR2';
const DEBOUNCE_MS = 150;

/** The command that started this CLI, to start it again as the child. */
function selfCommand(): string[] {
  const compiled = import.meta.path.startsWith('/$bunfs/');
  return compiled ? [process.execPath, ...process.argv.slice(2)] : [process.execPath, process.argv[1] as string, ...process.argv.slice(2)];
}

/** A syntax error in `file`, as one line, or `null`. */
function syntaxError(file: string): string | null {
  const shown = relative(process.cwd(), file) || file;
  try {
    const loader = /\.m?js$/.test(file) ? 'js' : 'ts';
    new Bun.Transpiler({ loader }).transformSync(readFileSync(file, 'utf8'));
    return null;
  } catch (err) {
    // Removed (a branch switch, an editor's rename): said so, not as a system error.
    if ((err as { code?: string }).code === 'ENOENT') return `${shown} was removed: its last definitions stay in use until it is back`;
    const e = (err as { errors?: { message?: string; position?: { line?: number; column?: number } }[] }).errors?.[0] ?? (err as { message?: string; position?: { line?: number; column?: number } });
    const where = e.position?.line ? `:${e.position.line}:${e.position.column ?? 0}` : '';
    return `error in task file ${shown}${where}: ${e.message ?? String(err)}`;
  }
}

/** `parproc.ts changed: reloading`, or for modules it imports, `lib/a.ts changed: reloading parproc.ts`. */
export function reloadLine(taskFile: string, changed: ReadonlySet<string>): string {
  const shown = (f: string) => relative(process.cwd(), f) || f;
  const others = [...changed].filter((f) => f !== taskFile).sort();
  if (others.length === 0) return `${shown(taskFile)} changed: reloading`;
  const names = [...(changed.has(taskFile) ? [taskFile] : []), ...others].map(shown);
  const list = names.length > 3 ? `${names.slice(0, 3).join(', ')} and ${names.length - 3} more` : names.join(', ');
  return `${list} changed: reloading ${shown(taskFile)}`;
}

/** Runs the CLI child and restarts it when the task file or its modules change; returns the exit code. */
export async function superviseWatch(taskFile: string): Promise<number> {
  const files = (): string[] => projectModules(taskFile);
  let watched = new Set(files());
  // A syntax error at the start (the file mid-edit) is waited out as one later would be.
  const broken = syntaxError(taskFile) ?? [...watched].map(syntaxError).find((p) => p !== null) ?? null;
  let child: ReturnType<typeof start> | null = broken ? null : start();
  let stopping = false;
  let reloading = false;
  let timer: ReturnType<typeof setTimeout> | null = null;
  /** The modules changed since the last reload. */
  let changed = new Set<string>();
  const finished = Promise.withResolvers<number>();

  function start() {
    const c = Bun.spawn(selfCommand(), { stdio: ['inherit', 'inherit', 'inherit'], env: { ...process.env, [WATCH_CHILD_ENV]: '1', [WATCH_PARENT_ENV]: String(process.pid) } });
    void c.exited.then((code) => {
      if (c !== child) return;
      if (reloading) {
        reloading = false;
        child = start();
        return;
      }
      // A task file that does not load (a throw at its top level, an unknown dep), at the start
      // or after an edit, is waited out; so is a usage error (an unknown target) after an edit.
      const waitForFix = code === BROKEN_TASK_FILE_EXIT || (code === 2 && loadedOnce);
      // Ctrl+C, or the child ended on its own (a usage error at the start): so does the supervisor.
      if (stopping || !waitForFix) finished.resolve(code === BROKEN_TASK_FILE_EXIT ? 2 : code);
      else writeStderr('parproc: waiting for the task file to be fixed…\n');
    });
    return c;
  }
  let loadedOnce = false;
  // A child that is still up after a moment loaded its task file: later exit-2s are load errors.
  const loadedTimer = setTimeout(() => (loadedOnce = true), 2000);

  const reload = (): void => {
    timer = null;
    const problem = syntaxError(taskFile) ?? files().map(syntaxError).find((p) => p !== null) ?? null;
    if (problem) {
      writeStderr(`parproc: ${problem} (still watching)\n`);
      return;
    }
    watched = new Set(files());
    writeStderr(`parproc: ${reloadLine(taskFile, changed)}\n`);
    changed = new Set();
    loadedOnce = true;
    if (child === null || child.exitCode !== null || child.signalCode !== null) {
      child = start();
      return;
    }
    reloading = true;
    child.kill(RELOAD_SIGNAL);
  };

  const watcher = new FileWatcher([...new Set([...watched].map((f) => dirname(f)))], {
    onChange: (path) => {
      if (!watched.has(path)) return;
      changed.add(path);
      if (timer !== null) clearTimeout(timer);
      timer = setTimeout(reload, DEBOUNCE_MS);
    },
    onWarning: (m) => writeStderr(`parproc: warning: ${m}\n`),
  });
  // Said once the watcher is armed: a fix made upon reading it is seen.
  if (broken) writeStderr(`parproc: ${broken} (watching for a fix)\n`);

  // Signals are passed on to the child; its exit code is ours. (Ctrl+C in a terminal reaches
  // both at once: the child takes a repeat within a moment as the same press.)
  const onSignal = (sig: NodeJS.Signals): void => {
    stopping = true;
    // With no child running (waiting for a fix), there is nothing to pass it on to.
    if (child !== null && child.exitCode === null && child.signalCode === null) child.kill(sig);
    else finished.resolve(128 + (sig === 'SIGINT' ? 2 : sig === 'SIGTERM' ? 15 : 1));
  };
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, onSignal);
  try {
    return await finished.promise;
  } finally {
    clearTimeout(loadedTimer);
    if (timer !== null) clearTimeout(timer);
    watcher.close();
    for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.off(sig, onSignal);
  }
}
