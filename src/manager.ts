/**
 * `ProcManager`: the public facade over the registry (graph/), the scheduler, the runners and the
 * event stream. Thin: it validates at the boundary, wires the parts together and builds jobs.
 */
import { dirname } from './util/path.ts';
import { ProcessError, UserError } from './errors.ts';
import { EventBus, type EventListener } from './events.ts';
import { isFailure, type ProcNode } from './graph/proc-node.ts';
import { RdepIndex } from './graph/rdeps.ts';
import { Registry } from './graph/registry.ts';
import { unknownDeps, type UnknownDep } from './graph/unknown-deps.ts';
import { defineProc, defineProto, type DefineHost } from './define.ts';
import { defaultOptions, parseOptions, type Options, type OptionsInput } from './options.ts';
import { Incremental } from './cache/incremental.ts';
import type { TaskStore } from './cache/task-store.ts';
import { killAllGroupsNow } from './runners/command.ts';
import { procInfo, protoInfo } from './snapshots.ts';
import { procsNamed } from './graph/names.ts';
import { RunnerPicker } from './runners/picker.ts';
import { inReplay } from './runners/replay.ts';
import { stopHere, topLevelStopsWatched } from './runners/top-level-stop.ts';
import { flushOpenLogs } from './runners/proc-log.ts';
import type { Outcome } from './runners/runner.ts';
import { callerOf, launchProc, replayLog, type Caller, type LaunchDeps } from './launch.ts';
import { RemoteCacheHolder } from './remote/holder.ts';
import { explainKey } from './remote/keys.ts';
import { Scheduler } from './scheduler/scheduler.ts';
import { launchDeps, schedulerHost, watchHost, type ManagerParts } from './wiring.ts';
import type { ArgType, PatternArgs, PatternParams, ProcFn, ProcInfo, ProcOptions, ProtoInfo, ProtoOptions } from './types.ts';
import type { RunOptions, WaitOptions } from './types.ts';
import type { ReporterContext } from './ui/static-reporter.ts';
import { LogPlace } from './log-place.ts';
import { Outputs } from './outputs.ts';
import { Params } from './params.ts';
import { currentSink, writeStderr } from './util/stdio.ts';

export class ProcManager {
  #options: Options;
  #bus = new EventBus();
  #params = new Params();
  #rdeps = new RdepIndex();
  #registry: Registry;
  #scheduler: Scheduler;
  #runners = new RunnerPicker(() => this.#options);
  /** Why interactive procs cannot run (set by the CLI for `--json`), or `null`. */
  #interactiveRefused: string | null = null;
  /** Made in a worker or child replaying a module: registers, never schedules (runners/replay.ts). */
  #inert = inReplay();
  #logs = new LogPlace(() => this.#options.logDir, (m) => this.warn(m));
  #outputs = new Outputs(this.#bus, () => this.#options, () => this.reporterContext(), (m) => this.warn(m));
  /** Dry run: procs "run" instantly without their code (the CLI's `--dry-run`). */
  #dryRun = false;
  #incremental = new Incremental({
    options: () => this.#options,
    params: () => this.#params.record,
    paramsHash: () => this.#params.hash(),
    warn: (message) => this.warn(message),
    sourceRoot: () => this.#sourceRoot ?? (Bun.main.startsWith('/$bunfs/') ? null : Bun.main),
    projectRoot: () => (this.#sourceRoot === null ? process.cwd() : dirname(this.#sourceRoot)),
    remote: () => this.#remote.get(this.#options.remoteCache),
    replayLog: (node, log) => replayLog(node, log, { bus: this.#bus, logProblem: (m) => this.#logs.problem(m), prepareLogDir: () => this.#logs.ensure() }),
  });
  #remote = new RemoteCacheHolder({ warn: (message) => this.warn(message) });
  /** The task file (the CLI's), whose modules define function procs; else the entry script. */
  #sourceRoot: string | null = null;
  /** What the hosts of the scheduler, launches and watch sessions are built from (wiring.ts). */
  #parts: ManagerParts;
  /** What `proc()` and `proto()` define through (define.ts). */
  #define: DefineHost;

  constructor(options?: OptionsInput) {
    const parsed = parseOptions(options, 'new ProcManager');
    this.#options = { ...defaultOptions(), ...parsed };
    this.#registry = new Registry({
      separator: () => this.#options.nameParamSeparator,
      params: () => this.#params.record,
      procAdded: (node) => this.#procAdded(node),
    });
    this.#define = { registry: this.#registry, options: () => this.#options, rdeps: () => this.#rdeps, scheduler: () => this.#scheduler, inert: this.#inert };
    this.#parts = {
      registry: this.#registry,
      bus: this.#bus,
      incremental: this.#incremental,
      runners: this.#runners,
      remote: this.#remote,
      logs: this.#logs,
      rdeps: () => this.#rdeps,
      scheduler: () => this.#scheduler,
      options: () => this.#options,
      params: () => this.#params.record,
      interactiveRefused: () => this.#interactiveRefused,
      launch: (node) => this.#launch(node),
      warn: (message) => this.warn(message),
      api: {
        create: (n, a) => this.create(n, a),
        start: (names) => this.start(names),
        run: (name, opts) => this.run(name, opts),
        nodes: (names, fn) => this.#nodes(names, fn, false),
      },
    };
    this.#scheduler = new Scheduler(schedulerHost(this.#parts));
    if (this.#inert) this.#scheduler.hold();
    else this.#outputs.sync();
  }

  // ------------------------------------------------------------------ registering

  /** Registers a proc; returns its name. */
  proc<R>(name: string, fn: ProcFn<Record<string, unknown>, R>): string;
  proc<R>(name: string, options: ProcOptions, fn: ProcFn<Record<string, unknown>, R>): string;
  proc(name: string, a: unknown, b?: unknown): string {
    return defineProc(this.#define, name, a, b, arguments.length);
  }

  /** Registers a proto (a `[param]` pattern); returns the pattern. */
  proto<P extends string, R>(pattern: P, fn: ProcFn<PatternArgs<P>, R>): string;
  proto<P extends string, const T extends Partial<Record<PatternParams<P>, ArgType>> = {}, R = unknown>(pattern: P, options: ProtoOptions<PatternParams<P>> & { argTypes?: T }, fn: ProcFn<PatternArgs<P, T>, R>): string;
  proto(pattern: string, a: unknown, b?: unknown): string {
    return defineProto(this.#define, pattern, a, b);
  }

  #procAdded(node: ProcNode): void {
    node.logFile = this.#logs.fileOf(node.name);
    this.#scheduler.procAdded(node);
    if (node.opts.now) this.#scheduler.wantLater(node.name);
  }

  // ------------------------------------------------------------------ driving

  /** Creates procs from a filled-out name, a pattern with args, or a glob; returns their names. */
  create(nameOrPattern: string, procNameOrArgs?: string | Record<string, unknown>): string[] {
    if (this.#inert) return [];
    return this.#registry.create(nameOrPattern, procNameOrArgs);
  }

  /** Schedules procs (and what they need). */
  start(...names: (string | string[])[]): void {
    if (this.#inert) return;
    this.#scheduler.want(this.#nodes(names.flat(), 'start', true));
  }

  /** `create` + `start`; returns the names. */
  run(name: string, opts: RunOptions = {}): string[] {
    if (typeof opts !== 'object' || opts === null) throw new UserError(`run("${name}"): options must be an object`, 'E_ARGS');
    for (const key of Object.keys(opts)) {
      if (!['full', 'args', 'procName'].includes(key)) throw new UserError(`run("${name}"): option "${key}" is not an option`, 'E_OPTION');
    }
    const names = opts.args ? this.create(name, opts.args) : this.create(name, opts.procName);
    if (this.#inert) return names;
    this.#scheduler.want(this.#nodes(names, 'run', true), { full: opts.full === true });
    return names;
  }

  /** Waits for procs (starting idle ones); throws `ProcessError` if any failed. */
  async wait(...names: (string | string[])[]): Promise<void> {
    // Called from inside one of this manager's procs, it is that proc's ctx.wait (slot lent,
    // cycles checked): otherwise `parallel: 1` would deadlock.
    if (this.#inert) return stopHere(undefined);
    const caller = this.#caller();
    if (caller) return caller.wait(names.flat());
    await this.#scheduler.waitFor(this.#nodes(names.flat(), 'wait', false));
  }

  /** The proc of this manager whose code is calling, if any. */
  #caller(): Caller | undefined {
    const caller = callerOf(currentSink());
    return caller?.scheduler === this.#scheduler ? caller : undefined;
  }

  /** Waits until nothing is wanted or running; `false` (or a `ProcessError`) when a proc failed. */
  async waitForAll(opts: WaitOptions = {}): Promise<boolean> {
    // A worker or child replaying the module, or the CLI loading a task file written as a script
    // (`await waitForAll()` at its top level): the module stops here, the run is theirs.
    if (this.#inert || (this.#scheduler.held && topLevelStopsWatched())) return stopHere(true);
    const caller = this.#caller();
    if (caller) {
      throw new UserError(
        `waitForAll() inside proc "${caller.name}" would wait for "${caller.name}" itself: use ctx.wait(names) for the procs it needs`,
        'E_WAIT_CYCLE',
      );
    }
    await this.#scheduler.waitIdle();
    const failed: string[] = [];
    for (const n of this.#registry.procs.values()) if (isFailure(n.state)) failed.push(n.name);
    if (failed.length > 0 && (opts.throwOnFailure ?? true)) throw new ProcessError(failed);
    return failed.length === 0;
  }

  /** `waitForAll` (not throwing by default), then `clear`. */
  async waitClear(opts: WaitOptions = {}): Promise<boolean> {
    try {
      return await this.waitForAll({ throwOnFailure: opts.throwOnFailure ?? false });
    } finally {
      this.clear();
    }
  }

  /** Drops every proc, proto, result and param; options stay. */
  clear(): void {
    this.#scheduler.reset();
    this.#registry.procs.clear();
    this.#registry.protos.clear();
    this.#rdeps = new RdepIndex();
    this.#params.clear();
    this.#scheduler = new Scheduler(schedulerHost(this.#parts));
    this.#launchDeps = null;
  }

  /** Outputs of finished procs that ran (`null` for failed ones). */
  results(): Record<string, unknown> {
    return Object.fromEntries(this.#scheduler.results.latest);
  }

  setOptions(opts: OptionsInput): void {
    const parsed = parseOptions(opts, 'setOptions');
    Object.assign(this.#options, parsed);
    if ('logDir' in parsed) for (const n of this.#registry.procs.values()) n.logFile = this.#logs.fileOf(n.name);
    if (!this.#inert) this.#outputs.sync();
  }

  /** The options in force (a copy). */
  getOptions(): Readonly<Options> {
    return { ...this.#options };
  }

  setParams(params: Record<string, unknown>): void {
    this.#params.set(params);
  }

  /** The CLI's `-p`: set before the task file loads, so its deps and choices see them, and kept over its `setParams`. */
  pinParams(params: Record<string, unknown>): void {
    this.#params.set(params, true);
  }

  getProcs(): ReadonlyMap<string, ProcInfo> {
    const out = new Map<string, ProcInfo>();
    for (const n of this.#registry.procs.values()) out.set(n.name, procInfo(n));
    return out;
  }

  getProtos(): ReadonlyMap<string, ProtoInfo> {
    const out = new Map<string, ProtoInfo>();
    for (const p of this.#registry.protos.values()) out.set(p.pattern.source, protoInfo(p));
    return out;
  }

  /**
   * Watches the inputs of `names` and their deps (or of every scheduled proc) and runs again what
   * a change affects, until `signal` aborts (SPEC 8). Needs `watch: true`.
   */
  async watch(names?: string[], opts: { signal?: AbortSignal } = {}): Promise<void> {
    if (this.#inert) return stopHere(undefined);
    if (!this.#options.watch) {
      throw new UserError('watch(): set the option watch: true (setOptions({ watch: true })) before scheduling procs', 'E_WATCH');
    }
    if (names !== undefined) this.#nodes(names, 'watch', false);
    const { WatchSession } = await import('./watch/session.ts');
    await new WatchSession(watchHost(this.#parts)).run(names, opts.signal);
  }

  /** Subscribes to the event stream; returns the unsubscribe function. */
  onEvent(listener: EventListener): () => void {
    if (typeof listener !== 'function') throw new UserError('onEvent: expected a function', 'E_ARGS');
    return this.#bus.on(listener);
  }

  // ------------------------------------------------------------------ for tools (the CLI)

  /** Starts nothing until `release` (procs still become wanted, deps are linked). */
  hold(): void {
    this.#scheduler.hold();
  }

  /**
   * Lets held procs start. With `dryRun`, procs that would run end `succeeded` at once without
   * running code (their `reason` says why they would run); with `full`, the cache is ignored.
   */
  release(opts: { dryRun?: boolean; full?: boolean; explain?: boolean } = {}): void {
    this.#dryRun = opts.dryRun === true;
    this.#incremental.explain = opts.explain === true;
    this.#incremental.dryRun = this.#dryRun;
    this.#incremental.fullRun = opts.full === true;
    this.#scheduler.release();
  }

  /** `--explain`: a proc's cache key from its last check and why it differs from the recorded one. */
  cacheKeyOf(name: string): { key: string; why: string } | null {
    const key = this.#registry.procs.get(name)?.key ?? null;
    if (key === null) return null;
    const sharing = this.#remote.get(this.#options.remoteCache) !== null;
    return { key: key.key, why: explainKey(key, this.#incremental.store()?.getCached(name)?.key ?? null, sharing) };
  }

  /** Why a proc ran (or would run in a dry run); `null` when it was up to date or not checked. */
  reasonOf(name: string): string | null {
    return this.#registry.procs.get(name)?.reason ?? null;
  }

  /** The open task DB, if `taskDbPath` is set and usable (for `history`/`clean` and displays). */
  taskStore(): TaskStore | null {
    return this.#incremental.store();
  }

  /** The CLI's no-op seal: keep every stat the checks take; `checkedStats()` gives them (see Incremental). */
  keepCheckedStats(): void {
    this.#incremental.keepCheckedStats();
  }

  checkedStats(): ReadonlyMap<string, { mtimeMs: number; size: number } | null> | null {
    return this.#incremental.checkedStats();
  }

  /** The CLI's no-op seal: whether a proc that runs at every run (never skipped) was checked to run. */
  ranAProcThatAlwaysRuns(): boolean {
    return this.#incremental.ranOneThatAlwaysRuns;
  }

  /** Commits and closes the task DB and restores the terminal (the CLI calls this before exiting). */
  close(): void {
    this.#runners.dispose();
    this.#incremental.close();
    this.#outputs.dispose();
  }

  /**
   * For an exit that cannot wait (a second Ctrl+C): SIGKILLs every process group procs started,
   * writes buffered log output and the pending task-DB batch synchronously, and restores the
   * terminal. The caller exits right after.
   */
  forceStop(): void {
    killAllGroupsNow();
    this.#runners.dispose();
    flushOpenLogs();
    this.close();
  }

  /** The task file: its content and its first-party imports are part of function procs' definitions. */
  setSourceRoot(file: string): void {
    this.#sourceRoot = file;
  }

  /** Refuses interactive procs with `reason` (the CLI's `--json`: stdout is for NDJSON). */
  refuseInteractive(reason: string | null): void {
    this.#interactiveRefused = reason;
  }

  /** Interrupts the run: running procs are aborted (process groups killed), wanted ones fail. */
  interrupt(): void {
    this.#scheduler.interrupt();
  }

  /**
   * Literal deps that name no proc and match no proto (typos: `deps: ['biuld']`), with the closest
   * names; the CLI calls this once the task file has loaded.
   */
  unknownDeps(): UnknownDep[] {
    return unknownDeps(this.#registry);
  }

  /** A proc's resolved deps as linked when it became wanted (empty while idle). */
  linkedDeps(name: string): string[] {
    return this.#registry.procs.get(name)?.depNodes.map((d) => d.name) ?? [];
  }

  /** The names of procs (all, or only those not idle), without the snapshots `getProcs` makes. */
  procNames(opts: { active?: boolean } = {}): string[] {
    const out: string[] = [];
    for (const n of this.#registry.procs.values()) if (!opts.active || n.state !== 'idle') out.push(n.name);
    return out;
  }

  // ------------------------------------------------------------------ internals

  /** What displays may look up beyond events: options and each proc's `logIgnore`. */
  reporterContext(): ReporterContext {
    return {
      options: () => this.#options,
      logIgnore: (name) => this.#registry.procs.get(name)?.opts.logIgnore ?? [],
    };
  }

  /** Procs by name; unknown names are a `UserError` with the closest names. */
  #nodes(names: string[], fn: string, create: boolean): ProcNode[] {
    return procsNamed(this.#registry, names, fn, create);
  }

  /** What every launch shares (made once: a launch per proc should not build a dozen closures). */
  #launchDeps: LaunchDeps | null = null;

  #launch(node: ProcNode): Promise<Outcome> {
    if (this.#dryRun) return Promise.resolve({ state: 'succeeded', error: null, moreInfo: null, output: null });
    this.#launchDeps ??= launchDeps(this.#parts);
    return launchProc(node, this.#runners.pick(node), this.#launchDeps);
  }

  /** A warning of this manager's run (an event, or a line on stderr with no listener). */
  warn(message: string): void {
    if (this.#bus.idle) writeStderr(`parproc: warning: ${message}\n`);
    else this.#bus.emit({ type: 'warning', at: Date.now(), message });
  }
}
