/**
 * How a manager's parts are wired together: the hosts its scheduler, its launches and its watch
 * sessions see. Each is built from the manager's parts (getters for what the manager replaces or
 * reads live), so the manager itself stays a facade.
 */
import { ownPaths } from './files/own-paths.ts';
import type { Incremental } from './cache/incremental.ts';
import type { EventBus } from './events.ts';
import type { ProcNode } from './graph/proc-node.ts';
import type { RdepIndex } from './graph/rdeps.ts';
import type { Registry } from './graph/registry.ts';
import type { LaunchDeps } from './launch.ts';
import type { LogPlace } from './log-place.ts';
import type { Options } from './options.ts';
import type { RemoteCacheHolder } from './remote/holder.ts';
import type { RunnerPicker } from './runners/picker.ts';
import { forgetProgramPaths } from './runners/program-path.ts';
import type { Outcome } from './runners/runner.ts';
import type { SchedulerHost } from './scheduler/host.ts';
import type { Scheduler } from './scheduler/scheduler.ts';
import type { WatchHost } from './watch/session.ts';

/** What a manager lends the hosts below. */
export interface ManagerParts {
  registry: Registry;
  bus: EventBus;
  incremental: Incremental;
  runners: RunnerPicker;
  remote: RemoteCacheHolder;
  logs: LogPlace;
  /** Replaced by `clear()`, with the scheduler. */
  rdeps(): RdepIndex;
  scheduler(): Scheduler;
  options(): Readonly<Options>;
  params(): Record<string, unknown>;
  interactiveRefused(): string | null;
  launch(node: ProcNode): Promise<Outcome>;
  warn(message: string): void;
  /** The manager's graph operations, for `ctx.create/start/run/wait`. */
  api: LaunchDeps['api'];
}

/** What the scheduler asks of the manager (made with each scheduler). */
export function schedulerHost(m: ManagerParts): SchedulerHost {
  return {
    registry: m.registry,
    rdeps: m.rdeps(),
    parallel: () => (m.options().debug ? 1 : m.options().parallel),
    allowMissingDeps: () => m.options().allowMissingDeps,
    failFast: () => m.options().failFast,
    history: () => m.incremental.store()?.scheduleHints() ?? null,
    failedFirst: () => m.options().failedFirst,
    emit: (e) => m.bus.emit(e),
    listening: () => !m.bus.idle,
    launch: (node) => m.launch(node),
    check: (node) => m.incremental.check(node),
    // Only the live display draws progress bars: no DB query per proc otherwise.
    expectedMs: (node) => (m.options().dynamic ? (m.incremental.store()?.expectedDuration(node.name) ?? null) : null),
    runEnded: () => {
      m.runners.idle();
      forgetProgramPaths();
      // Uploads under way finish (or are given up after a bound) before waiters resume; after an
      // interrupt they are given up at once.
      const uploads = m.remote.current?.drain(m.scheduler().runSignal.aborted ? 0 : undefined);
      const flushed = m.incremental.flush();
      return (uploads === undefined ? flushed : Promise.all([flushed, uploads])).then(() => {});
    },
  };
}

/** What every launch of a proc shares (made once per scheduler: a launch per proc builds none). */
export function launchDeps(m: ManagerParts): LaunchDeps {
  return {
    scheduler: m.scheduler(),
    incremental: m.incremental,
    bus: m.bus,
    params: () => m.params(),
    logProblem: (message) => m.logs.problem(message),
    warn: (message) => m.warn(message),
    prepareLogDir: () => m.logs.ensure(),
    keepLogs: () => m.logs.keep(),
    watching: () => m.options().watch,
    interactiveRefused: () => m.interactiveRefused(),
    api: m.api,
  };
}

/** What a watch session asks of the manager. */
export function watchHost(m: ManagerParts): WatchHost {
  return {
    procs: () => m.registry.procs,
    params: () => m.params(),
    debounce: () => m.options().watchDebounce,
    globalInputsIgnore: () => m.options().globalInputsIgnore ?? [],
    ownPaths: () => ownPaths(m.logs.dir, m.options().taskDbPath, m.options().traceFile),
    emit: (e) => m.bus.emit(e),
    warn: (message) => m.warn(message),
    settled: () => m.scheduler().waitIdle().catch(() => undefined),
    busy: () => !m.scheduler().idle,
    onRunEnd: (fn) => m.bus.on((e) => e.type === 'run-end' && fn()),
    onProcEnd: (fn) =>
      m.bus.on((e) => {
        if (e.type !== 'proc-state' || e.durationMs === null) return;
        const node = m.registry.procs.get(e.name);
        if (node) fn(node);
      }),
    reschedule: (nodes) => m.scheduler().reschedule(nodes),
  };
}
