/**
 * Commands run by procs (`ctx.$`, `ctx.exec`, command procs): each in its own process group, so a
 * timeout or interrupt can end it with everything it started. Output goes to the proc's log in
 * arrival order and is also collected for the result — or, for a command proc whose output nothing
 * shows live, straight to a capture file that is read into the log (capture-file.ts).
 */
import type { AbortScope } from './exec-scope.ts';
import { CommandError } from '../errors.ts';
import type { CommandResult } from '../types.ts';
import type { OutputSink } from '../util/stdio.ts';
import { openCapture, type CaptureFile } from './capture-file.ts';
import { forgetProgram, programPath } from './program-path.ts';
import { fs } from '../util/fs.ts';

/** What to run: a shell string (`sh -c`) or an argv array (no shell). */
export type CommandSpec = { shell: string } | { argv: string[] };

export interface CommandOptions {
  cwd?: string | undefined;
  env?: Record<string, string> | undefined;
  stdin?: string | undefined;
  log: OutputSink;
  /** The execution's abort scope: an aborted one starts nothing. */
  scope: AbortScope;
  tracker: ChildTracker;
  /** An interactive proc's command: the terminal's stdin/stdout/stderr, in parproc's process group. */
  interactive?: boolean;
  /**
   * Output only for the log, and nothing shows it live: stdout and stderr go to a capture file
   * (capture-file.ts) made in this directory, instead of pipes; the result's `stdout` and
   * `stderr` are then empty. `null`: no directory for it (pipes).
   */
  captureDir?: (() => string | null) | undefined;
}

/** How long a process group gets between SIGTERM and SIGKILL. */
const KILL_GRACE_MS = 1000;

/** Every live process group started for any proc in this process (for a forced exit). */
const allGroups = new Set<number>();

/**
 * Tracks a live process group until its leader exits (a `ChildTracker`'s commands, a proc's child
 * process); `settled` runs then too, in the same reaction.
 */
export function trackGroup(pid: number, exited: Promise<unknown>, settled?: () => void): void {
  allGroups.add(pid);
  // (Not `finally`, which adds two promises and turns of the queue before the command's end is seen.)
  const done = (): void => {
    allGroups.delete(pid);
    settled?.();
  };
  exited.then(done, done);
}

/** SIGKILLs every live process group at once (the second Ctrl+C: no grace, nothing left behind). */
export function killAllGroupsNow(): void {
  for (const pid of allGroups) killGroup(pid, 'SIGKILL');
  allGroups.clear();
}

/** Told of every command started (a worker or child reports them to the parent). */
let spawnHook: ((pid: number, exited: Promise<unknown>, log: OutputSink) => void) | null = null;

/** Sets the hook told of every command a proc starts, with the log it writes to. */
export function onCommandSpawn(hook: (pid: number, exited: Promise<unknown>, log: OutputSink) => void): void {
  spawnHook = hook;
}

/** A command's process group: over when `exited` settles; `drain` reads its capture file. */
interface TrackedChild {
  pid: number;
  exited: Promise<unknown>;
  drain?: () => void;
}

/** The live process groups a proc started; ends them all on abort. */
export class ChildTracker {
  /** Made with the first command: most function procs start none. */
  #live: Set<TrackedChild> | null = null;

  add(child: TrackedChild): void {
    const live = (this.#live ??= new Set());
    live.add(child);
    trackGroup(child.pid, child.exited, () => live.delete(child));
  }

  get size(): number {
    return this.#live?.size ?? 0;
  }

  /** Brings the log up to date with what the live commands wrote to their capture files. */
  drain(): void {
    if (this.#live !== null) for (const c of this.#live) c.drain?.();
  }

  /** SIGTERM to every group, SIGKILL after a grace period; resolves when the groups are gone (`groupGone`). */
  killAll(): Promise<void> {
    if (this.#live === null || this.#live.size === 0) return Promise.resolve();
    const stop = stopGroups([...this.#live]);
    stopping.add(stop);
    void stop.then(() => stopping.delete(stop));
    return stop;
  }
}

/** Stops in progress (`ChildTracker.killAll`), for `groupsStopped`. */
const stopping = new Set<Promise<void>>();

/** Resolves when every stop in progress is over: the CLI waits for it before it exits after Ctrl+C. */
export function groupsStopped(): Promise<void> {
  return Promise.all([...stopping]).then(() => {});
}

/** SIGTERM to each group, SIGKILL once its leader exited or after the grace period, then its end. */
async function stopGroups(all: TrackedChild[]): Promise<void> {
  for (const c of all) killGroup(c.pid, 'SIGTERM');
  await Promise.all(
    all.map(async (c) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([c.exited, new Promise((r) => (timer = setTimeout(r, KILL_GRACE_MS)))]);
      clearTimeout(timer);
      // Background members may outlive the leader: the group gets SIGKILL either way.
      killGroup(c.pid, 'SIGKILL');
      await c.exited;
      await groupGone(c.pid);
    }),
  );
}

/** How long a killed group's last members get to be gone. */
const GONE_WAIT_MS = 250;

/** Resolves once no live process is left in group `pid` (SIGKILL'd members finish dying), or after `GONE_WAIT_MS`. */
async function groupGone(pid: number): Promise<void> {
  const until = Date.now() + GONE_WAIT_MS;
  while (groupHasLiving(pid) && Date.now() < until) await Bun.sleep(2);
}

/**
 * Whether a process that is not a zombie is left in group `pgid`. A zombie is dead: where nothing
 * reaps orphans (a container's first process may not), it would stay in the group for ever. On
 * Linux the members' states come from /proc; elsewhere any member counts.
 */
function groupHasLiving(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch {
    return false; // ESRCH: no member at all
  }
  if (process.platform !== 'linux') return true;
  let pids: string[];
  try {
    pids = fs().readdirSync('/proc');
  } catch {
    return true;
  }
  for (const p of pids) {
    if (p.charCodeAt(0) < 48 || p.charCodeAt(0) > 57) continue;
    let stat: string;
    try {
      stat = fs().readFileSync(`/proc/${p}/stat`, 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    // `pid (comm) state ppid pgrp …`: comm may hold spaces and parentheses, so after the last ')'.
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(pgrp) === pgid && state !== 'Z' && state !== 'X') return true;
  }
  return false;
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is gone already, which is what we wanted.
  }
}

/** The number of a signal by name (0 if unknown); node:os is loaded only when a command was killed. */
function signalNumber(name: string | number | null): number {
  if (typeof name === 'number') return name;
  if (!name) return 0;
  const { constants } = require('node:os') as typeof import('node:os');
  return constants.signals[name as keyof typeof constants.signals] ?? 0;
}

/** Quotes one interpolated value for `sh` (arrays become several words). */
export function shellQuote(value: unknown): string {
  if (Array.isArray(value)) return value.map(shellQuote).join(' ');
  // Bun Shell's way to put shell text in as it is: ${{ raw: '*.ts' }}.
  if (typeof (value as { raw?: unknown } | null)?.raw === 'string') return (value as { raw: string }).raw;
  const s = value === null || value === undefined ? '' : String(value);
  if (/^[\w@%+=:,./-]+$/.test(s)) return s;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Builds a shell command from a template literal, quoting interpolated values. */
export function templateToShell(strings: TemplateStringsArray, values: unknown[]): string {
  let out = strings[0] ?? '';
  values.forEach((v, i) => {
    out += shellQuote(v) + (strings[i + 1] ?? '');
  });
  return out;
}

// An argv command shown as a shell would take it back: `sh -c 'exit 3'`, not `sh -c exit 3`.
const display = (spec: CommandSpec): string => ('shell' in spec ? spec.shell : shellQuote(spec.argv));

/**
 * Runs a command to completion; a non-zero exit throws `CommandError`. Not an async function
 * itself: it hands back the promise of the way the command runs as it is (an async function
 * would add turns of the queue between a command's end and its caller's seeing it).
 */
export function runCommand(spec: CommandSpec, opts: CommandOptions): Promise<CommandResult> {
  try {
    if (opts.scope.aborted) throw opts.scope.reason;
    const cmd = 'shell' in spec ? ['sh', '-c', spec.shell] : spec.argv;
    // No terminal, no colour (SPEC 5) — unless the proc's own `env` says otherwise: it wins.
    const env: Record<string, string | undefined> = { ...process.env, TERM: 'dumb', NO_COLOR: '1' };
    // (A delete only when there is one: it turns the object into a slower kind for Bun.spawn to read.)
    if (env.FORCE_COLOR !== undefined) delete env.FORCE_COLOR;
    if (opts.env !== undefined) Object.assign(env, opts.env);
    if (opts.interactive) return runInteractive(cmd, spec, env, opts);
    // Its own process group (`detached`), so a timeout or interrupt can end everything it started.
    const own = { cwd: opts.cwd, env, stdin: opts.stdin === undefined ? 'ignore' : new TextEncoder().encode(opts.stdin), detached: true } as const;
    const dir = opts.captureDir?.() ?? null;
    const capture = dir === null ? null : openCapture(dir);
    if (capture !== null) return runToFile(cmd, spec, opts, capture, own);
    return runPiped(cmd, spec, opts, own);
  } catch (err) {
    return Promise.reject(err);
  }
}

/** A command whose stdout and stderr are read through pipes, into the log and the result. */
async function runPiped(cmd: string[], spec: CommandSpec, opts: CommandOptions, own: SpawnOptions): Promise<CommandResult> {
  const child = spawnOrFail(cmd, spec, opts.log, { ...own, stdout: 'pipe', stderr: 'pipe' }) as ReturnType<typeof Bun.spawn<'pipe', 'pipe', 'pipe'>>;
  // On abort (a timeout, an interrupt) the runner that owns the tracker ends its process groups.
  opts.tracker.add(child);
  spawnHook?.(child.pid, child.exited, opts.log);
  const [stdout, stderr] = await Promise.all([
    pump(child.stdout, 'stdout', opts.log),
    pump(child.stderr, 'stderr', opts.log),
  ]);
  await child.exited;
  return ended(spec, child, stdout, stderr);
}

/**
 * A command whose stdout and stderr both go to `capture`, read into the log as it runs. Like the
 * end of file on a pipe, the command is over when its leader has exited and nothing it left in
 * the background (in its process group) still holds the file.
 */
async function runToFile(cmd: string[], spec: CommandSpec, opts: CommandOptions, capture: CaptureFile, own: SpawnOptions): Promise<CommandResult> {
  let child: ReturnType<typeof Bun.spawn>;
  try {
    child = spawnOrFail(cmd, spec, opts.log, Object.assign(own as object, { stdout: capture.fd, stderr: capture.fd }));
  } catch (err) {
    capture.finish();
    throw err;
  }
  capture.follow(opts.log);
  const pid = child.pid;
  const over = child.exited.then(() => capture.released(pid));
  opts.tracker.add({ pid, exited: over, drain: () => capture.read() });
  spawnHook?.(pid, over, opts.log);
  try {
    await over;
  } finally {
    capture.finish();
  }
  return ended(spec, child, '', '');
}

/**
 * A command on the terminal: stdin, stdout and stderr inherited, and — so it may read the
 * terminal — in parproc's own (foreground) process group, not a group of its own.
 */
async function runInteractive(cmd: string[], spec: CommandSpec, env: Record<string, string | undefined>, opts: CommandOptions): Promise<CommandResult> {
  const terminal = { TERM: process.env.TERM, NO_COLOR: process.env.NO_COLOR, FORCE_COLOR: process.env.FORCE_COLOR };
  const child = spawnOrFail(cmd, spec, opts.log, { cwd: opts.cwd, env: { ...env, ...terminal, ...opts.env }, stdin: 'inherit', stdout: 'inherit', stderr: 'inherit' });
  const onAbort = () => child.kill('SIGTERM');
  const signal = opts.scope.signal;
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    await child.exited;
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
  return ended(spec, child, '', '');
}

type SpawnOptions = Parameters<typeof Bun.spawn>[1];

/**
 * Spawns `cmd`, its program found once per run (program-path.ts); a spawn that fails (ENOENT for
 * argv commands, a bad cwd) is a failed command, not a crash.
 */
function spawnOrFail(cmd: string[], spec: CommandSpec, log: OutputSink, options: SpawnOptions & object): ReturnType<typeof Bun.spawn> {
  const name = cmd[0] as string;
  const path = options.env?.PATH;
  const program = programPath(name, path, options.cwd);
  if (program !== null) {
    const args = cmd.slice();
    args[0] = program;
    try {
      return Bun.spawn(args, Object.assign(options, { argv0: name }));
    } catch {
      // Gone since it was found: looked up again below, and next time.
      forgetProgram(name, path, options.cwd);
      delete options.argv0;
    }
  }
  try {
    return Bun.spawn(cmd, options);
  } catch (err) {
    const dir = cwdProblem(options.cwd);
    const msg = dir ?? (err instanceof Error ? err.message : String(err));
    log.write('stderr', `${msg}\n`);
    // As a shell says it: 126 for a program found but not runnable (no permission, a directory,
    // not an executable format), 127 for one not found.
    const code = (err as { code?: unknown } | null)?.code;
    throw new CommandError(display(spec), dir === null && (code === 'EACCES' || code === 'EPERM' || code === 'ENOEXEC') ? 126 : 127, msg, '', msg);
  }
}

/**
 * Why a spawn in `cwd` failed when the directory is at fault, or `null`. The OS reports a
 * missing working directory as the program's ENOENT (`posix_spawn 'pwd'`), which blames the
 * program.
 */
function cwdProblem(cwd: string | undefined): string | null {
  if (cwd === undefined) return null;
  let st;
  try {
    st = fs().statSync(cwd, { throwIfNoEntry: false });
  } catch {
    st = undefined;
  }
  if (st === undefined) return `the working directory ${cwd} does not exist`;
  return st.isDirectory() ? null : `the working directory ${cwd} is not a directory`;
}

/** The result of a command that has exited; a non-zero exit (or a signal: 128 + its number) throws `CommandError`. */
function ended(spec: CommandSpec, child: { exitCode: number | null; signalCode: string | number | null }, stdout: string, stderr: string): CommandResult {
  const exitCode = child.exitCode ?? 128 + signalNumber(child.signalCode);
  if (exitCode !== 0) throw new CommandError(display(spec), exitCode, stderr, stdout);
  return { stdout, stderr, exitCode };
}

/** Reads a command's stream into its log as chunks arrive (most commands print nothing: no decoder is made for them). */
async function pump(stream: ReadableStream<Uint8Array>, name: 'stdout' | 'stderr', log: OutputSink): Promise<string> {
  const reader = stream.getReader();
  let decoder: TextDecoder | null = null;
  let all = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    decoder ??= new TextDecoder();
    const text = decoder.decode(value, { stream: true });
    if (text) {
      all += text;
      log.write(name, text);
    }
  }
  const rest = decoder?.decode() ?? '';
  if (rest) {
    all += rest;
    log.write(name, rest);
  }
  return all;
}
