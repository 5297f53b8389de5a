/**
 * What the scheduler needs from its owner (the manager): the graph, options, events, the cache
 * check and the launch of a proc. The scheduler knows nothing else of the world.
 */
import type { RunEvent } from '../events.ts';
import type { ProcNode } from '../graph/proc-node.ts';
import type { RdepIndex } from '../graph/rdeps.ts';
import type { Registry } from '../graph/registry.ts';
import type { Outcome } from '../runners/runner.ts';
import type { ProcError } from '../types.ts';
import type { History } from './priority.ts';

/**
 * A ready proc's check: up to date (its cached output), failed before it could start, run, or a
 * lookup in the remote cache under way (restored: up to date; `null`: it runs). A lookup holds no
 * slot and blocks nothing: other procs start meanwhile.
 */
export type CheckVerdict =
  | { kind: 'run' }
  | { kind: 'up-to-date'; output: unknown }
  | { kind: 'failed'; error: ProcError; moreInfo: string }
  | { kind: 'lookup'; result: Promise<{ output: unknown } | null> };

export interface SchedulerHost {
  registry: Registry;
  rdeps: RdepIndex;
  parallel(): number;
  allowMissingDeps(): boolean;
  /** `failFast`: after the first failure, start nothing new. */
  failFast?(): boolean;
  /** Emits an event; `listening()` false lets the hot path skip building it. */
  emit(e: RunEvent): void;
  listening(): boolean;
  /** Expected duration of a proc that starts (for progress bars), or `null`. */
  expectedMs?(node: ProcNode): number | null;
  /** History to schedule from (task DB), read when a run starts; `null`: FIFO. */
  history?(): History | null;
  /** `failedFirst`: procs whose last run failed go first. */
  failedFirst?(): boolean;
  /** Runs a proc that was just moved to `running`. */
  launch(node: ProcNode): Promise<Outcome>;
  /**
   * Called when a proc is ready to start: `up-to-date` (with its cached output) ends it without
   * running; `failed` ends it with an error (its inputs could not be resolved); `run` starts it.
   */
  check(node: ProcNode): CheckVerdict;
  /** Called when a run ends, before waiters resume (the task DB commits here). */
  runEnded?(ok: boolean): Promise<void> | void;
}
