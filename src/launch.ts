/**
 * One execution of one proc, wired: its log, the services its context offers (create, start,
 * run, wait with the caller's slot lent out, prompt), the runner, output verification and the
 * task DB record. The manager calls this for every proc the scheduler starts.
 */
import type { Incremental } from './cache/incremental.ts';
import type { EventBus } from './events.ts';
import type { ProcNode } from './graph/proc-node.ts';
import { pauseDisplays, promptUser } from './prompt.ts';
import { isTerminal } from './util/tty.ts';
import { onAbort } from './util/fanout.ts';
import { outcomeFromError } from './runners/outcome.ts';
import { ProcLog } from './runners/proc-log.ts';
import type { ContextServices, Outcome, ProcRunner } from './runners/runner.ts';
import type { Scheduler } from './scheduler/scheduler.ts';
import type { RunOptions } from './types.ts';

/** The proc whose code writes to a log: module-level `wait()` inside a proc acts as `ctx.wait`. */
export interface Caller {
  scheduler: Scheduler;
  name: string;
  wait(names: string[]): Promise<void>;
}

const callers = new WeakMap<object, Caller>();

/** The proc whose output sink this is (the sink of the code running now), if any. */
export function callerOf(sink: object | undefined): Caller | undefined {
  return sink === undefined ? undefined : callers.get(sink);
}

export interface LaunchDeps {
  scheduler: Scheduler;
  incremental: Incremental;
  bus: EventBus;
  /** The params of the run (`ctx.params`). */
  params(): Record<string, unknown>;
  /** Reports a log that cannot be written (the manager warns once per problem). */
  logProblem(message: string): void;
  /** A warning of the run (an error no proc caught). */
  warn(message: string): void;
  /** Makes the log directory, before the first log file is created in it. */
  prepareLogDir(): void;
  /** A proc failed: its log is kept (a default temp log dir is not removed at exit). */
  keepLogs(): void;
  /** Watch mode is on (`watch: true`): executions may be stopped one by one. */
  watching(): boolean;
  /** Why interactive procs cannot run here (`--json`), or `null`. */
  interactiveRefused(): string | null;
  /** The manager's graph operations, for `ctx.create/start/run/wait`. */
  api: {
    create(nameOrPattern: string, procNameOrArgs?: string | Record<string, unknown>): string[];
    start(names: string[]): void;
    run(name: string, opts?: RunOptions): string[];
    nodes(names: string[], fn: string): ProcNode[];
  };
}

/**
 * What the context of one execution may ask of the manager, and the caller its output sink names
 * (one object a proc, its methods shared).
 */
class Services implements ContextServices, Caller {
  readonly scheduler: Scheduler;
  readonly name: string;
  /** `ctx.results` shows what had completed when the proc started; `ctx.wait` moves the mark. */
  #mark: number;
  #node: ProcNode;
  #d: LaunchDeps;

  constructor(node: ProcNode, d: LaunchDeps) {
    this.scheduler = d.scheduler;
    this.name = node.name;
    this.#mark = d.scheduler.results.mark;
    this.#node = node;
    this.#d = d;
  }

  results(): Record<string, unknown> {
    return this.scheduler.results.snapshot(this.#mark);
  }

  async create(n: string, a?: string | Record<string, unknown>): Promise<string[]> {
    return this.#d.api.create(n, a);
  }

  async start(names: string[]): Promise<void> {
    this.#d.api.start(names);
  }

  async run(name: string, opts?: RunOptions): Promise<string[]> {
    return this.#d.api.run(name, opts);
  }

  async wait(names: string[]): Promise<void> {
    try {
      // The scheduler lends the proc's slot while it waits (if it still holds one).
      await this.scheduler.waitFor(this.#d.api.nodes(names, 'ctx.wait'), this.#node);
    } finally {
      // A wait that throws (a waited proc failed) still shows what the others gave.
      this.#mark = this.scheduler.results.mark;
    }
  }

  prompt(message: string, opts: { password?: boolean }, signal: AbortSignal): Promise<string> {
    return promptUser(message, opts, signal);
  }
}

/** Runs `node` (just moved to `running`) and resolves its outcome once its log is closed. */
export function launchProc(node: ProcNode, runner: ProcRunner, d: LaunchDeps): Promise<Outcome> {
  const { scheduler, bus } = d;
  const log = new ProcLog(
    node.logFile,
    !bus.wantsOutput
      ? null
      : (stream, text) => {
          if (!bus.idle) bus.emit({ type: 'proc-output', at: Date.now(), name: node.name, stream, text });
        },
    d.logProblem,
    d.prepareLogDir,
  );
  // A dep restored from the remote cache wrote its outputs in this run, like one that ran.
  const changedDeps = node.depNodes.length === 0 ? [] : node.depNodes.filter((dep) => dep.state === 'succeeded' || dep.cacheSource === 'remote').map((dep) => dep.name);
  const services = new Services(node, d);
  callers.set(log, services);
  const interactive = node.opts.interactive;
  if (interactive) {
    const refused = d.interactiveRefused() ?? (isTerminal(0) && isTerminal(1) ? null : 'stdin and stdout are not a terminal');
    if (refused) {
      const message = `proc "${node.name}" is interactive (it needs the terminal), but ${refused}`;
      log.line(message, 'stderr');
      log.close();
      node.logCreated = log.created;
      return Promise.resolve({ state: 'failed', error: 'exception', moreInfo: message, output: null });
    }
    log.line('(interactive: its input and output were on the terminal)');
    pauseDisplays(true);
  }
  d.incremental.executionStarting();
  const scope = executionScope(node, scheduler.runSignal, d.watching());
  const run = runner.run({
    interactive,
    name: node.name,
    proto: node.proto,
    body: node.body,
    args: node.args,
    params: d.params(),
    cwd: node.opts.cwd,
    env: node.opts.env,
    timeoutMs: node.opts.timeout === null ? null : node.opts.timeout * 1000,
    log,
    runSignal: scope.signal,
    depsChanged: changedDeps.length > 0,
    changedDeps,
    inputFingerprint: d.incremental.inputMtimes(node),
    services,
    warn: d.warn,
  });
  if (scope.unlink !== null) void run.then(scope.unlink, scope.unlink);
  // The proc's code (or command) has started: the task DB opens meanwhile, if it is not open yet.
  d.incremental.warm();
  const startedAt = node.startedAt ?? Date.now();
  let endedAt = startedAt;
  const closeLog = (): void => {
    if (interactive) pauseDisplays(false);
    log.close();
    node.logCreated = log.created;
  };
  // One reaction, not a `.then` and a `.finally`: the end of a proc is on the path to the start
  // of the next (a chain of commands waits on it at every link).
  const settled = run.then(
    (outcome) => {
      try {
        const checked = checkOutputs(node, outcome, log, d.incremental);
        endedAt = Date.now();
        d.incremental.record(node, checked, startedAt, endedAt);
        node.outputBytes = log.written;
        // A failed proc always has its log, even an empty one; a silent success has none.
        if (checked.state === 'failed') {
          log.touch();
          d.keepLogs();
        }
        return checked;
      } finally {
        closeLog();
      }
    },
    (err: unknown) => {
      closeLog();
      throw err;
    },
  );
  if (!d.incremental.sharing()) return settled;
  // With its log complete on disk, a success goes to the remote cache (in the background).
  return settled.then((checked) => {
    d.incremental.share(node, checked, endedAt - startedAt);
    return checked;
  });
}

/** Writes the log of a proc restored from the remote cache to its log file and the displays. */
export function replayLog(node: ProcNode, bytes: Uint8Array, d: Pick<LaunchDeps, 'bus' | 'logProblem' | 'prepareLogDir'>): void {
  const { bus } = d;
  const log = new ProcLog(
    node.logFile,
    bus.idle ? null : (stream, text) => bus.emit({ type: 'proc-output', at: Date.now(), name: node.name, stream, text }),
    d.logProblem,
    d.prepareLogDir,
  );
  log.write('stdout', new TextDecoder().decode(bytes));
  log.close();
  node.logCreated = log.created;
  node.outputBytes = log.written;
}

/** After success, declared outputs must exist (and be fresh enough). */
function checkOutputs(node: ProcNode, outcome: Outcome, log: ProcLog, incremental: Incremental): Outcome {
  if (outcome.state !== 'succeeded') return outcome;
  let problem: string | null;
  try {
    problem = incremental.verifyOutputs(node);
  } catch (err) {
    return outcomeFromError(err, log);
  }
  if (problem === null) return outcome;
  log.line(problem, 'stderr');
  return { state: 'failed', error: 'outputs-not-refreshed', moreInfo: problem, output: null };
}

/**
 * An execution's abort scope. In watch mode each execution has its own inside the run's (a change
 * stops one execution), linked to the run's signal until it ends: `AbortSignal.any` kept every
 * execution's signal, its listeners and their closures alive for as long as the run's signal, so a
 * watch session grew by some 3 KB per proc run (150 MB after 1,000 rebuilds of 50 procs).
 * Otherwise the run's signal is the scope, saving a signal per proc.
 */
function executionScope(node: ProcNode, runSignal: AbortSignal, watching: boolean): { signal: AbortSignal; unlink: (() => void) | null } {
  if (!watching) return { signal: runSignal, unlink: null };
  const own = (node.execution = new AbortController());
  const unlink = onAbort(runSignal, () => own.abort(runSignal.reason));
  return { signal: own.signal, unlink };
}
