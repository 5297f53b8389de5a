/**
 * One proc: its definition (made by the graph) and its run-time record (owned by the scheduler).
 * The graph fills the definition fields; only the scheduler writes the run-time ones, through
 * `transition`.
 */
import type { ProcKey } from '../remote/keys.ts';
import type { InputFingerprints } from '../cache/task-store.ts';
import type { SiteCapture } from '../runners/site.ts';
import { internalError } from '../errors.ts';
import type { ValidProcOptions } from '../options.ts';
import type { ProcError, ProcState } from '../types.ts';

/** A proc's body, normalised. */
export type ProcBody =
  /** `site`: the stack captured at `proc()`/`proto()`, naming the defining module (worker/process modes). */
  | { kind: 'fn'; fn: (ctx: never, args: never) => unknown; site: SiteCapture | null }
  | { kind: 'shell'; command: string }
  | { kind: 'argv'; argv: string[] };

/** Legal moves of `ProcState` (see the diagram in types.ts). */
const MOVES: Record<ProcState, readonly ProcState[]> = {
  idle: ['wanted'],
  wanted: ['running', 'failed-dep', 'up-to-date', 'idle', 'failed'],
  running: ['succeeded', 'failed', 'skipped', 'idle'],
  succeeded: ['idle'],
  failed: ['idle'],
  'failed-dep': ['idle'],
  skipped: ['idle'],
  'up-to-date': ['idle'],
};

const SUCCESS: ReadonlySet<ProcState> = new Set(['succeeded', 'skipped', 'up-to-date']);
const FAILURE: ReadonlySet<ProcState> = new Set(['failed', 'failed-dep']);

export const isSuccess = (s: ProcState): boolean => SUCCESS.has(s);
export const isFailure = (s: ProcState): boolean => FAILURE.has(s);
export const isFinished = (s: ProcState): boolean => SUCCESS.has(s) || FAILURE.has(s);

export class ProcNode {
  // ---- definition (graph) ----
  readonly name: string;
  readonly body: ProcBody;
  readonly opts: ValidProcOptions;
  readonly args: Record<string, unknown>;
  /** The proto pattern it was made from, or `null`. */
  readonly proto: string | null;
  /** Resolved dep names, rdep injections appended; special deps are in `noFailures`. */
  readonly depNames: string[];
  /** Has the `NO_FAILURES` special dep. */
  readonly noFailures: boolean;

  // ---- run-time record (scheduler) ----
  state: ProcState = 'idle';
  error: ProcError = null;
  moreInfo: string | null = null;
  output: unknown = null;
  startedAt: number | null = null;
  endedAt: number | null = null;
  /** Where its log goes (the file is created only on output or failure). */
  logFile = '';
  /** Its last execution created its log file. */
  logCreated = false;
  generation = 0;
  completedGeneration: number | null = null;
  /** Deps not yet in a success state (while wanted). */
  pending = 0;
  /** Procs that depend on this one and were wanted when the edge was made. */
  dependents: ProcNode[] = [];
  /** Deps linked at want time (for cycle detection and depsChanged). */
  depNodes: ProcNode[] = [];
  /** A dep that had already failed when linked, or a missing dep's reason: ends it `failed-dep`. */
  blockedReason: string | null = null;
  /** Callbacks run once when the proc reaches an end state. */
  endWaiters: (() => void)[] | null = null;
  /** Whether it ran (not cached) in this run: for dependents' `depsChanged`. */
  executed = false;
  /** The proc's `ctx.wait` calls under way, each with the procs it waits for (wait-cycle detection). */
  waitingFor: (readonly ProcNode[])[] = [];
  /** Whether it holds one of the `parallel` slots (running, and not lending it out in waits). */
  holdsSlot = false;
  /** `ctx.wait` calls under way: the slot is lent while at least one is, and taken back after the last. */
  lends = 0;
  /** The running execution's own abort scope (set by the launcher), or `null`. */
  execution: AbortController | null = null;
  /** Its running execution was stopped to run it again (watch mode): it goes back to wanted. */
  restarting = false;
  /** Bytes its last execution wrote to its log. */
  outputBytes = 0;
  /** Wanted by a full run: ignore the cache. */
  full = false;
  /** Why it runs (or `null` when up to date), from the last check: for `--dry-run`. */
  reason: string | null = null;
  /** Input fingerprints taken when it was checked, stored with its result on success. */
  inputs: InputFingerprints | null = null;
  /** Its remote-cache key from the last check (remote cache or `--explain` on), else `null`. */
  key: ProcKey | null = null;
  /** Where an `up-to-date` result came from: the task DB, or restored from the remote cache. */
  cacheSource: 'local' | 'remote' | null = null;
  /** Checked, it must run (not found on the remote; or put back when ranking began): no second check. */
  lookedUp = false;

  constructor(init: {
    name: string;
    body: ProcBody;
    opts: ValidProcOptions;
    args: Record<string, unknown>;
    proto: string | null;
    depNames: string[];
    noFailures: boolean;
  }) {
    this.name = init.name;
    this.body = init.body;
    this.opts = init.opts;
    this.args = init.args;
    this.proto = init.proto;
    this.depNames = init.depNames;
    this.noFailures = init.noFailures;
  }

  /** Becomes wanted: forgets the last run's links, blockers and execution record. */
  beginRun(): void {
    this.pending = 0;
    this.blockedReason = null;
    this.depNodes = [];
    this.executed = false;
    this.logCreated = false;
    this.cacheSource = null;
    this.lookedUp = false;
    this.startedAt = null;
    this.endedAt = null;
  }

  get wave(): number {
    return this.opts.wave;
  }

  /** Moves to `to`, or throws an internal error for an illegal move. */
  transition(to: ProcState): void {
    if (!MOVES[this.state].includes(to)) {
      throw internalError(`proc "${this.name}" cannot move from ${this.state} to ${to}`);
    }
    this.state = to;
  }
}
