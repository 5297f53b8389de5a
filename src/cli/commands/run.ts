/** `parproc [run] [targets…]`: run targets and what they need. */
import type { ArgsDef } from 'citty';
import { resolve } from '../../util/path.ts';
import { ignoresOutput, type EventListener, type RunEvent } from '../../events.ts';
import type { ProcManager } from '../../manager.ts';
import { JsonReporter } from '../../ui/json-reporter.ts';
import { colorFor, createDisplay, type Reporter } from '../../ui/display.ts';
import { StreamReporter } from '../../ui/stream-reporter.ts';
import { formatDuration } from '../../ui/format.ts';
import { medianDuration } from '../../scheduler/priority.ts';
import { writeStderr, writeStdout } from '../../util/stdio.ts';
import { isTerminal } from '../../util/tty.ts';
import { CliError, EXIT, TaskFileError } from '../errors.ts';
import { defineCommand, PARAM_ARG, paramsOf, parseFlags, positiveInt, TASK_FILE_ARGS } from '../flags.ts';
import { defaultTargets, openSession, resolveTargets } from '../session.ts';
import { findTaskFile } from '../task-file.ts';
import { BROKEN_TASK_FILE_EXIT, RELOAD_SIGNAL, SAME_SIGNAL_MS, superviseWatch, WATCH_CHILD_ENV, WATCH_PARENT_ENV } from '../watch-supervisor.ts';
import { dieWithParent } from '../../runners/parent-death.ts';
import { listData, printList } from './list.ts';
import { REMOTE_ARGS, remoteCacheFlags } from '../remote-flags.ts';
import { RunSealer } from '../run-sealer.ts';
import { warnOfStrays } from '../../runners/stray-errors.ts';
import { groupsStopped, killAllGroupsNow } from '../../runners/command.ts';

export const runArgs = {
  ...TASK_FILE_ARGS,
  parallel: { type: 'string', alias: 'j', description: 'max procs running at once', valueHint: 'n' },
  mode: { type: 'string', description: 'where proc functions run: inline (this process), worker (Bun Workers) or process (a child process each)', valueHint: 'inline|worker|process' },
  ...PARAM_ARG,
  'dry-run': { type: 'boolean', alias: 'n', description: 'print what would run, in start order; run nothing' },
  dynamic: { type: 'boolean', description: 'live display (default: on a TTY without CI; --no-dynamic: the plain one)' },
  'full-log': { type: 'boolean', description: 'print the whole log of failed procs' },
  stream: { type: 'boolean', description: "print procs' output live, each line prefixed with the proc's name" },
  snippets: { type: 'string', description: 'which procs get log snippets: all (capped), failures, none', valueHint: 'all|failures|none' },
  'failed-first': { type: 'boolean', description: 'start procs whose last run failed first (default; --no-failed-first: do not)' },
  'fail-fast': { type: 'boolean', description: 'after the first failure start nothing new (running procs finish); exit 1' },
  json: { type: 'boolean', description: 'NDJSON events on stdout, a summary last; the human display on stderr' },
  full: { type: 'boolean', description: 'ignore the cache: run everything' },
  watch: { type: 'boolean', alias: 'w', description: 'after the run, watch inputs and re-run what changed (until Ctrl+C); the task file reloads when edited' },
  db: { type: 'string', description: 'task DB path (default .parproc/parproc.db beside the task file); --no-db: none', valueHint: 'path' },
  trace: { type: 'string', description: 'write the run as Chrome trace-event JSON (opens in Perfetto)', valueHint: 'file' },
  quick: { type: 'boolean', description: 'answer a repeated no-op from its seal, without loading the task file (default; --no-quick: check every proc)' },
  ...REMOTE_ARGS,
} satisfies ArgsDef;

export const runCommand = defineCommand({
  meta: { name: 'run', description: 'run targets (proc names, filled-out proto names, globs like build::*) and what they need' },
  args: { ...runArgs, targets: { type: 'positional', required: false, description: 'what to run (default: the proc named "default", else the now: true procs)' } },
});

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** A signal's number; node:os (about 0.5 ms to load) only after a signal. */
function signalNumber(sig: (typeof SIGNALS)[number]): number {
  return (require('node:os') as typeof import('node:os')).constants.signals[sig] ?? 2;
}

/** Flag values and combinations that cannot mean anything: one line each, before anything loads. */
function checkFlags(args: Record<string, unknown>): void {
  if (args.mode !== undefined && args.mode !== 'inline' && args.mode !== 'worker' && args.mode !== 'process') {
    throw new CliError(`--mode must be inline, worker or process, got "${String(args.mode)}"`);
  }
  if (args['dry-run'] && args.watch) throw new CliError('--watch and --dry-run do not go together: a dry run runs nothing to watch');
  if (args.explain && !args['dry-run']) throw new CliError('--explain goes with -n (--dry-run): it explains what a dry run would do');
}

export async function runRun(rawArgs: string[]): Promise<number> {
  const args = parseFlags(rawArgs, runArgs, 'run');
  checkFlags(args);
  if (args.watch && process.env[WATCH_CHILD_ENV] !== '1') {
    // The supervisor: runs this command again as a child, restarted when the task file changes.
    const dir = args.cwd === undefined ? process.cwd() : resolve(args.cwd);
    return superviseWatch(findTaskFile(dir, args.file));
  }
  // Under the watch supervisor: a supervisor killed outright (`kill -9`) must not leave this
  // process watching for good. Its parent's death ends it as Ctrl+C would.
  if (args.watch) dieWithParent('SIGTERM', Number(process.env[WATCH_PARENT_ENV]) || undefined);
  const parallel = positiveInt(args.parallel, '--parallel');
  const params = paramsOf(rawArgs);
  const human = args.json ? writeStderr : writeStdout;
  const json = args.json ? new JsonReporter(writeStdout) : null;
  const sealer = new RunSealer(sealRefusal(args, rawArgs));
  let display: Reporter | null = null;
  // What happens before the run is known to start (now: true procs wanted while loading, the
  // targets made wanted) is kept and shown once the targets are: a definition error found then
  // (a cycle, a higher-wave dep) is one line, with no display around it.
  const early: RunEvent[] = [];
  let recording: (() => void) | null = null;
  const attachReporters = (m: ProcManager): void => {
    recording?.();
    // Live or plain is settled by the flags and the environment; other options are read at each
    // event, so the task file's setOptions counts too.
    // Streaming output and the live area would fight over the terminal: --stream is plain.
    const dynamic = args.stream ? false : (args.dynamic ?? m.getOptions().dynamic);
    display = createDisplay(args.json ? 'stderr' : 'stdout', dynamic, m.reporterContext());
    const listeners: EventListener[] = [];
    if (args.stream) {
      // Ahead of the display: a proc's last partial line comes before its end line.
      const out = args.json ? 'stderr' : 'stdout';
      listeners.push(new StreamReporter(out === 'stdout' ? writeStdout : writeStderr, colorFor({ isTTY: isTerminal(out === 'stdout' ? 1 : 2) })).onEvent);
    }
    // The display shows procs' output only in debug mode; it reads logs from their files.
    listeners.push(ignoresOutput(display.onEvent, () => m.getOptions().debug));
    if (json) listeners.push(json.onEvent);
    if (display.live || m.getOptions().debug) sealer.refuse('live display or debug');
    if (sealer.open) listeners.push(sealer.onEvent);
    for (const l of listeners) m.onEvent(l);
    for (const e of early.splice(0)) for (const l of listeners) l(e);
  };
  const session = await openSession(args, (m) => {
    // Before the task file loads: the deps and arg choices it resolves see them (and keep them).
    m.pinParams(params);
    if (!args['dry-run']) recording = m.onEvent((e) => early.push(e));
  }).catch((err: unknown) => {
    // Under the watch supervisor, a task file that does not load is waited out (watch-supervisor.ts).
    if (!args.watch || !(err instanceof TaskFileError)) throw err;
    writeStderr(`parproc: ${err.message}\n`);
    return null;
  });
  if (session === null) return BROKEN_TASK_FILE_EXIT;
  const { pm, taskFile, load, invokedIn } = session;
  sealer.loaded(load);
  // Relative paths in flags are from where the command was given (named as given when that is here).
  const given = (p: string): string => (invokedIn === process.cwd() ? p : resolve(invokedIn, p));
  if (args.trace !== undefined) pm.setOptions({ traceFile: given(args.trace) });

  // Flags win over the task file's setOptions.
  if (parallel !== undefined) pm.setOptions({ parallel });
  if (args.dynamic !== undefined) pm.setOptions({ dynamic: args.dynamic });
  if (args['full-log'] !== undefined) pm.setOptions({ fullLogOnFailure: args['full-log'] });
  if (args['fail-fast'] !== undefined) pm.setOptions({ failFast: args['fail-fast'] });
  if (rawArgs.includes('--no-failed-first')) pm.setOptions({ failedFirst: false });
  if (args.snippets !== undefined) {
    if (!['all', 'failures', 'none'].includes(String(args.snippets))) throw new CliError(`--snippets must be all, failures or none, got "${String(args.snippets)}"`);
    pm.setOptions({ snippets: args.snippets as 'all' | 'failures' | 'none' });
  }
  if (args.mode !== undefined) pm.setOptions({ mode: args.mode as 'inline' | 'worker' | 'process' });
  const db = dbFlag(rawArgs, args.db);
  if (db !== undefined) pm.setOptions({ taskDbPath: db === null ? null : given(db) });
  if (args.json) pm.refuseInteractive('--json is on (stdout is for NDJSON)');
  if (args.watch) pm.setOptions({ watch: true });
  const remote = remoteCacheFlags(pm.getOptions().remoteCache, args, rawArgs);
  if (remote !== undefined) pm.setOptions({ remoteCache: remote });
  if (pm.getOptions().remoteCache !== null || pm.getOptions().debug) sealer.refuse('a remote cache or debug');

  const targets = args._.length > 0 ? resolveTargets(pm, args._) : defaultTargets(pm);
  if (targets === null) {
    // Nothing to run: the list, for people (on stderr with --json, whose stdout ends as always).
    if (json) {
      printList(listData(pm, undefined, params), undefined, writeStderr);
      json.summary(true, {});
    } else printList(listData(pm, undefined, params));
    return EXIT.ok;
  }
  pm.start(targets);
  if (args['dry-run']) return dryRun(pm, args.full === true, args.explain === true, args.json === true);
  attachReporters(pm);

  let signalled: (typeof SIGNALS)[number] | null = null;
  let watching: AbortController | null = null;
  let reloading = false;
  const onReload = () => {
    // The supervisor restarts us with the edited task file: stop quietly.
    reloading = true;
    pm.interrupt();
    watching?.abort();
  };
  let signalledAt = 0;
  const onSignal = (sig: (typeof SIGNALS)[number]) => {
    // Under the watch supervisor, Ctrl+C arrives twice at once (from the terminal and passed on).
    if (signalled && process.env[WATCH_CHILD_ENV] === '1' && Date.now() - signalledAt < SAME_SIGNAL_MS) return;
    if (signalled) {
      // A second signal: leave now, but kill every process group, keep the logs and the DB
      // batch, and restore the terminal first.
      pm.forceStop();
      (display as Reporter | null)?.dispose();
      writeStderr('Tasks Aborted (forced)\n');
      process.exit(128 + signalNumber(signalled));
    }
    signalled = sig;
    signalledAt = Date.now();
    pm.interrupt();
    watching?.abort();
  };
  for (const sig of SIGNALS) process.on(sig, onSignal);
  if (args.watch) process.on(RELOAD_SIGNAL, onReload);
  if (sealer.open) {
    pm.keepCheckedStats();
    const db = pm.getOptions().taskDbPath;
    sealer.checking(db === null ? null : resolve(db));
  }
  // This process is the run's: an error no proc can be named for is a warning, not its end.
  const stopStrays = warnOfStrays((message) => pm.warn(message));
  pm.release({ full: args.full === true });
  let ok: boolean;
  try {
    ok = await pm.waitForAll({ throwOnFailure: false });
    if (args.watch && signalled === null && !reloading) {
      // Until Ctrl+C (or a reload): each change runs again what it affects.
      watching = new AbortController();
      await pm.watch(targets, { signal: watching.signal });
      ok = await pm.waitForAll({ throwOnFailure: false });
    }
  } finally {
    // After Ctrl+C every process group procs started is gone before the exit, not only signalled
    // (a second Ctrl+C meanwhile still forces the exit).
    if (signalled) await groupsStopped();
    for (const sig of SIGNALS) process.off(sig, onSignal);
    process.off(RELOAD_SIGNAL, onReload);
    stopStrays();
    sealer.prepare(pm);
    pm.close();
    // The CLI's process is ending: no process group a proc started outlives it, whatever path
    // its stop took (a busy child past its grace, a command whose leader lingers).
    killAllGroupsNow();
    (display as Reporter | null)?.dispose();
  }
  if (signalled === null && !reloading) sealer.finish(taskFile, load);
  if (reloading && signalled === null) return EXIT.ok;
  json?.summary(ok && signalled === null, pm.results());
  if (signalled) {
    human('Tasks Aborted\n');
    return 128 + signalNumber(signalled);
  }
  return ok ? EXIT.ok : EXIT.failed;
}

/** Why flags rule out sealing a no-op for replay (cli/noop-seal.ts), or `null`. */
function sealRefusal(args: Record<string, unknown>, rawArgs: string[]): string | null {
  for (const flag of ['json', 'stream', 'watch', 'dry-run', 'full', 'trace']) if (args[flag]) return `--${flag}`;
  if (rawArgs.includes('--no-quick')) return '--no-quick';
  return null;
}

/** `--db <path>` → the path, `--no-db` → `null`, neither → `undefined`. */
export function dbFlag(rawArgs: string[], db: unknown): string | null | undefined {
  if (rawArgs.includes('--no-db')) return null;
  if (typeof db === 'string' && db !== '') return db;
  return undefined;
}

/**
 * Starts everything with a launcher that runs nothing and prints, in start order, what would run
 * and why, and what is up to date.
 */
async function dryRun(pm: ProcManager, full: boolean, explain: boolean, json: boolean): Promise<number> {
  const lines: string[] = [];
  const plan: DryRunEntry[] = [];
  const planned: string[] = [];
  let procs: ReturnType<ProcManager['getProcs']> | null = null;
  pm.onEvent(ignoresOutput((e: RunEvent) => {
    if (e.type !== 'proc-state') return;
    if (e.state === 'running') {
      planned.push(e.name);
      // Looked up once (commands do not change), again only for procs made during the run.
      if (!procs?.has(e.name)) procs = pm.getProcs();
      const command = procs.get(e.name)?.command ?? null;
      const reason = pm.reasonOf(e.name) ?? 'stale';
      plan.push({ type: 'dry-run', name: e.name, action: 'run', reason, command });
      lines.push(`  run         ${e.name}  (${reason})${command ? `  $ ${command}` : ''}`);
      if (explain) lines.push(keyLine(pm, e.name));
    }
    else if (e.state === 'up-to-date') {
      plan.push({ type: 'dry-run', name: e.name, action: 'up-to-date', reason: null, command: null });
      lines.push(`  up-to-date  ${e.name}`);
      if (explain) lines.push(keyLine(pm, e.name));
    }
    else if (e.state === 'failed-dep' || e.state === 'failed') {
      plan.push({ type: 'dry-run', name: e.name, action: e.state, reason: e.moreInfo ?? e.error, command: null });
      lines.push(`  ${e.state.padEnd(10)}  ${e.name}  (${e.moreInfo ?? e.error})`);
    }
  }));
  pm.release({ dryRun: true, full, explain });
  await pm.waitForAll({ throwOnFailure: false });
  const total = expectedTotal(pm, planned);
  pm.close();
  const text = lines.length === 0 ? 'Nothing to do.\n' : `Dry run, in start order (nothing was run):\n${lines.join('\n')}\n${total?.text ?? ''}`;
  if (!json) {
    writeStdout(text);
    return EXIT.ok;
  }
  // --json: a line per proc in start order, then a summary; the text on stderr.
  writeStderr(text);
  writeStdout(plan.map((p) => `${JSON.stringify(p)}\n`).join('') + `${JSON.stringify({ type: 'summary', ok: true, dryRun: true, expectedMs: total?.ms ?? null, procs: plan.map(({ name, action }) => ({ name, action })) })}\n`);
  return EXIT.ok;
}

/** One proc of a dry run, as `-n --json` prints it. */
interface DryRunEntry {
  type: 'dry-run';
  name: string;
  action: 'run' | 'up-to-date' | 'failed' | 'failed-dep';
  reason: string | null;
  command: string | null;
}

/** `-n --explain`: a proc's cache key (the first 16 hex digits) and why it differs from the last run's. */
function keyLine(pm: ProcManager, name: string): string {
  const k = pm.cacheKeyOf(name);
  return k === null ? '              key: none' : `              key ${k.key.slice(0, 16)}  (${k.why})`;
}

/**
 * The expected wall time of the planned order, from the task DB's history: each proc starts when
 * its deps have ended and a slot is free, and takes its expected duration (the median of the
 * known ones when it has none).
 */
function expectedTotal(pm: ProcManager, planned: string[]): { ms: number | null; text: string } | null {
  if (planned.length === 0) return null;
  const hints = pm.taskStore()?.scheduleHints();
  if (!hints || hints.expected.size === 0) return { ms: null, text: 'Expected total: unknown (no history yet)\n' };
  const median = medianDuration(hints.expected) as number;
  const slots: number[] = Array.from({ length: Math.min(pm.getOptions().parallel, planned.length) }, () => 0);
  const end = new Map<string, number>();
  let unknown = 0;
  for (const name of planned) {
    const ready = Math.max(0, ...pm.linkedDeps(name).map((d) => end.get(d) ?? 0));
    let i = 0;
    for (let k = 1; k < slots.length; k++) if ((slots[k] as number) < (slots[i] as number)) i = k;
    const w = hints.expected.get(name);
    if (w === undefined) unknown++;
    const finish = Math.max(ready, slots[i] as number) + (w ?? median);
    slots[i] = finish;
    end.set(name, finish);
  }
  const ms = Math.max(...end.values());
  return { ms: Math.round(ms), text: `Expected total: ${formatDuration(ms)} on ${slots.length} slot${slots.length === 1 ? '' : 's'}${unknown ? ` (${unknown} without history counted as ${formatDuration(median)} each)` : ''}\n` };
}
