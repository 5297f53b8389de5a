/**
 * The scheduler (SPEC 3–4): the proc state machine, dependency linking, rdep injection, waves,
 * locks and the parallel limit. Event-driven: a proc becomes ready the moment its last blocker
 * clears (in-degree counters), never by polling or rescanning; iterative, never recursive per
 * completion. It knows nothing of where code runs (`launch`) or of the terminal (`emit`).
 */
import { ResultLog } from './result-log.ts';
import { UserError, internalError } from '../errors.ts';
import type { ProcNode } from '../graph/proc-node.ts';
import type { TargetRule } from '../graph/rdeps.ts';
import type { Outcome } from '../runners/runner.ts';
import type { ProcError } from '../types.ts';
import { criticalPath } from './critical-path.ts';
import type { CheckVerdict, SchedulerHost } from './host.ts';
import { releaseWhenSettled } from './linger.ts';
import { transition } from './transition.ts';
import { Deferred } from './deferred.ts';
import { prepareRerun } from './rerun.ts';
import { waitFor, type WaitHost } from './waits.ts';
import { Linker } from './linker.ts';
import { Ranking } from './ranking.ts';
import { InteractiveGate } from './interactive-gate.ts';
import { RunScope } from './run-scope.ts';
import { Slots } from './slots.ts';
import { ReadyQueue } from './ready-queue.ts';

export class Scheduler {
  #host: SchedulerHost;
  #queue = new ReadyQueue();
  /** Procs wanted or running. */
  #active = 0;
  /** The `parallel` slots, lent out during `ctx.wait`. */
  #slots = new Slots();
  /** The order of ready procs: FIFO, or ranked from history once a proc must run. */
  #ranking: Ranking;
  #interactive = new InteractiveGate();
  /** `now: true` procs to start at the next flush, and deferred work's first error. */
  #deferred = new Deferred();
  #flushQueued = false;
  #pumping = false;
  /** While held, nothing starts (the CLI holds while it loads a task file). */
  #held = false;
  /** The current run (each run its own abort scope). */
  #run = new RunScope();
  /** Completed results: in completion order (for `ctx.results` snapshots), and each proc's latest. */
  readonly results = new ResultLog();
  #linker: Linker;
  #waitHost: WaitHost = {
    held: () => this.#held,
    want: (nodes) => this.want(nodes),
    flush: () => {
      this.flush();
      this.#deferred.rethrow();
    },
    holder: (lock) => this.#queue.holder(lock),
    slots: this.#slots,
    pump: () => this.#pump(),
  };

  constructor(host: SchedulerHost) {
    this.#host = host;
    this.#ranking = new Ranking(this.#queue, host.history?.bind(host), () => host.failedFirst?.() ?? true);
    this.#linker = new Linker({
      registry: host.registry,
      rdeps: host.rdeps,
      allowMissingDeps: () => host.allowMissingDeps(),
      enterWanted: (node, full) => {
        this.#enterWanted(node);
        node.full = full;
      },
      failDep: (node, reason) => this.#failDep(node, reason),
      ready: (node) => this.#queue.push(node),
      queueFlush: () => this.#queueFlush(),
      deferError: (err) => this.#deferred.keep(err),
    });
  }

  /** The current run's signal (each run has its own: an interrupt ends one run, not the manager). */
  get runSignal(): AbortSignal {
    return this.#run.signal;
  }

  get idle(): boolean {
    return this.#active === 0 && !this.#flushQueued;
  }

  // ------------------------------------------------------------------ state changes

  #enterWanted(node: ProcNode): void {
    if (this.#active === 0 && !this.#run.active) {
      this.#run.begin(Date.now());
      this.#ranking.reset();
      if (this.#host.listening()) this.#host.emit({ type: 'run-start', at: this.#run.startedAt });
    }
    node.beginRun();
    transition(this.#host, node, 'wanted');
    this.#active++;
    this.#queue.enter(node.wave);
  }

  // ------------------------------------------------------------------ wanting

  /**
   * Makes procs wanted with their deps and rdeps; throws the first `UserError` (cycle,
   * higher-wave dep, unknown dep when not allowed, broken ordering contract) with every proc left
   * consistent — the offenders end `failed-dep`.
   */
  want(roots: readonly ProcNode[], opts: { full?: boolean } = {}): void {
    this.#ranking.invalidate(); // new procs and edges change remaining paths
    this.#linker.want(roots, opts);
  }

  /** Rdep rules registered while a run is under way apply to targets already wanted. */
  applyNewRdeps(rules: readonly TargetRule[]): void {
    this.#linker.applyNewRdeps(rules, this.#active > 0);
  }

  /** The registry made a new proc: procs waiting for that name get it. */
  procAdded(node: ProcNode): void {
    this.#linker.procAdded(node);
  }

  /** Ends `node` (wanted) and every wanted proc downstream `failed-dep` (each blocked proc, as in a cycle, with its own reason). */
  #failDep(node: ProcNode, reason: string): void {
    const stack: [ProcNode, string][] = [[node, reason]];
    while (stack.length > 0) {
      const [n, why] = stack.pop() as [ProcNode, string];
      if (n.state !== 'wanted') continue;
      this.#leave(n);
      this.#run.failures++;
      transition(this.#host, n, 'failed-dep', 'dep-failed', why);
      for (const d of n.dependents) if (d.state === 'wanted') stack.push([d, d.blockedReason ?? `canceled due to failure of "${n.name}"`]);
    }
    this.#queueFlush();
  }

  #leave(node: ProcNode): void {
    this.#active--;
    this.#queue.leave(node.wave);
  }

  // ------------------------------------------------------------------ deferred work

  /** Starts `names` at the next flush (`now: true`); errors reject the next wait. */
  wantLater(name: string): void {
    this.#deferred.add(name);
    this.#queueFlush();
  }

  #queueFlush(): void {
    if (this.#flushQueued) return;
    this.#flushQueued = true;
    queueMicrotask(() => this.flush());
  }

  /** "The scheduler next runs": deferred starts, missing deps, then starting ready procs. */
  flush(): void {
    if (!this.#flushQueued) return;
    this.#flushQueued = false;
    const names = this.#deferred.take();
    if (names.length > 0) {
      try {
        this.want(names.map((n) => this.#host.registry.procs.get(n)).filter((n): n is ProcNode => n !== undefined));
      } catch (err) {
        this.#deferred.keep(err);
      }
      this.#flushQueued = false;
    }
    this.#linker.resolveMissingNow();
    this.#flushQueued = false;
    this.#pump();
    this.#maybeEndRun();
  }

  // ------------------------------------------------------------------ running

  /** Stops starting procs until `release`. */
  hold(): void {
    this.#held = true;
  }

  get held(): boolean {
    return this.#held;
  }

  release(): void {
    this.#held = false;
    this.#queueFlush();
  }

  #pump(): void {
    if (this.#pumping || this.#held) return;
    this.#pumping = true;
    try {
      if (this.#run.aborted) this.#drain((n) => this.#endWithoutRunning(n, 'failed', null, 'interrupted', 'interrupted before it started'));
      else if (this.#run.failures > 0 && this.#host.failFast?.()) this.#drain((n) => this.#failDep(n, 'not started: fail-fast after a failure'));
      const parallel = this.#host.parallel();
      while (this.#slots.free(parallel)) {
        if (this.#slots.serveWaiter()) continue;
        if (this.#run.aborted) break;
        // An interactive proc runs alone: once it waits, nothing new starts until it ran.
        if (this.#interactive.closed) break;
        const waiting = this.#interactive.next;
        if (waiting) {
          if (this.#slots.used > 0) break;
          this.#interactive.take();
          if (waiting.state === 'wanted') this.#startChecked(waiting);
          continue;
        }
        const node = this.#queue.pop();
        if (!node) break;
        if (node.state !== 'wanted' || node.pending > 0) continue;
        const held = this.#queue.heldLock(node.opts.locks);
        if (held !== undefined) {
          this.#queue.parkOnLock(node, held);
          continue;
        }
        if (node.noFailures && this.#run.failures > 0) {
          this.#failDep(node, 'run aborted: a task has failed');
          continue;
        }
        if (node.opts.interactive && this.#slots.used > 0) {
          this.#interactive.park(node);
          continue;
        }
        this.#startChecked(node);
      }
    } finally {
      this.#pumping = false;
    }
  }

  /**
   * After an interrupt or a failure under fail-fast, procs that become ready end without starting:
   * `failed`/`'interrupted'`, or `failed-dep`.
   */
  #drain(end: (node: ProcNode) => void): void {
    for (const n of this.#interactive.drain()) this.#queue.push(n);
    for (let node = this.#queue.pop(); node; node = this.#queue.pop()) {
      if (node.state === 'wanted' && node.pending === 0) end(node);
    }
  }

  /** Checks a ready proc against the cache: it ends up to date, fails, or starts. */
  #startChecked(node: ProcNode): void {
    const verdict: CheckVerdict = node.lookedUp ? { kind: 'run' } : this.#host.check(node);
    if (verdict.kind === 'run' && this.#ranking.mustRun(node, this.#active > this.#host.parallel())) return;
    if (verdict.kind === 'lookup') {
      this.#ranking.lookupStarted();
      this.#awaitLookup(node, verdict.result);
    } else if (verdict.kind === 'up-to-date') this.#endWithoutRunning(node, 'up-to-date', verdict.output, null, null);
    else if (verdict.kind === 'failed') this.#endWithoutRunning(node, 'failed', null, verdict.error, verdict.moreInfo);
    else {
      this.#interactive.started(node);
      this.#start(node);
    }
  }

  /**
   * A remote-cache lookup under way: the proc stays wanted (the run does not end) but holds no
   * slot. Restored, it ends up to date; otherwise it goes back to the ready queue to run.
   */
  #awaitLookup(node: ProcNode, result: Promise<{ output: unknown } | null>): void {
    const generation = node.generation;
    const settle = (hit: { output: unknown } | null): void => {
      if (node.state !== 'wanted' || node.generation !== generation) return; // cleared meanwhile
      if (hit !== null) {
        node.cacheSource = 'remote';
        this.#endWithoutRunning(node, 'up-to-date', hit.output, null, null);
      } else {
        node.lookedUp = true;
        this.#queue.push(node);
      }
      this.#pump();
      this.#maybeEndRun();
    };
    result.then(settle, () => settle(null));
  }

  #start(node: ProcNode): void {
    this.#slots.take(node);
    this.#queue.acquire(node);
    node.executed = true;
    transition(this.#host, node, 'running');
    // A launch that throws at once settles the proc like one that rejects.
    new Promise<Outcome>((resolve) => resolve(this.#host.launch(node))).then(
      (outcome) => this.#finish(node, outcome),
      (err: unknown) =>
        this.#finish(node, { state: 'failed', error: 'exception', moreInfo: `${internalError(String(err)).message}`, output: null }),
    );
  }

  #finish(node: ProcNode, outcome: Outcome): void {
    if (node.state !== 'running') return; // reset by clear() while it ran
    node.execution = null;
    this.#interactive.ended(node);
    this.#slots.release(node);
    if (outcome.lingering && node.opts.locks.length > 0) {
      releaseWhenSettled(node, outcome.lingering, () => {
        this.#queue.release(node);
        this.#pump();
        this.#maybeEndRun();
      }, (message) => this.#host.listening() && this.#host.emit({ type: 'warning', at: Date.now(), message }));
    } else this.#queue.release(node);
    this.#leave(node);
    if (node.restarting) {
      // Stopped to run again (its inputs changed): its dependents keep waiting for the new run.
      node.restarting = false;
      transition(this.#host, node, 'idle');
      this.want([node]);
    } else this.#end(node, outcome.state, outcome.output, outcome.error, outcome.moreInfo);
    this.#pump();
    this.#maybeEndRun();
  }

  /** Ends a ready proc without running it: up to date (cached output), or failed before start. */
  #endWithoutRunning(node: ProcNode, state: 'up-to-date' | 'failed', output: unknown, error: ProcError, moreInfo: string | null): void {
    this.#leave(node);
    this.#end(node, state, output, error, moreInfo);
  }

  /** A proc ended (ran, or did not need to): its result, its state, then its dependents. */
  #end(node: ProcNode, state: 'succeeded' | 'failed' | 'skipped' | 'up-to-date', output: unknown, error: ProcError, moreInfo: string | null): void {
    node.output = output;
    this.results.add(node.name, output);
    if (state === 'failed') this.#run.failures++;
    transition(this.#host, node, state, error, moreInfo);
    for (const d of node.dependents) {
      if (d.state !== 'wanted') continue;
      if (state === 'failed') this.#failDep(d, `canceled due to failure of "${node.name}"`);
      else if (--d.pending === 0) this.#queue.push(d);
    }
  }

  #maybeEndRun(): void {
    if (this.#active !== 0 || this.#flushQueued || !this.#run.active) return;
    this.results.compact();
    const ok = this.#run.failures === 0;
    const at = Date.now();
    const { startedAt } = this.#run;
    if (this.#host.listening()) this.#host.emit({ type: 'run-end', at, ok, durationMs: at - startedAt, criticalPath: criticalPath(this.#host.registry.procs.values(), startedAt) });
    this.#run.end(() => this.#host.runEnded?.(ok));
  }

  // ------------------------------------------------------------------ waiting

  /** Resolves when nothing is wanted or running (after the run's end hooks). */
  async waitIdle(): Promise<void> {
    this.flush();
    this.#deferred.rethrow();
    // While held, nothing can run yet and waiting would never end: it returns. (The CLI loading a
    // task file stops the file's top-level `waitForAll()` before this: top-level-stop.ts.)
    if (this.#held) return;
    if (this.#active > 0 || this.#run.active) await this.#run.ended();
    this.#deferred.rethrow();
  }

  /** Starts idle procs among `nodes` and waits for all to end (`waits.ts`). */
  waitFor(nodes: readonly ProcNode[], waiter?: ProcNode): Promise<void> {
    return waitFor(this.#waitHost, nodes, waiter);
  }

  /**
   * Stops starting procs, aborts running ones (their runners kill their process groups and
   * report `'interrupted'`) and ends every wanted proc `failed`/`'interrupted'`. Only this run:
   * procs started after it ended run normally.
   */
  interrupt(): void {
    if (!this.#run.abort() || !this.#run.active) return;
    for (const node of this.#host.registry.procs.values()) {
      if (node.state !== 'wanted') continue;
      this.#leave(node);
      this.#run.failures++;
      transition(this.#host, node, 'failed', 'interrupted', 'interrupted before it started');
    }
    this.#queueFlush();
  }

  /** Runs procs again (watch mode, `rerun.ts`). */
  reschedule(nodes: readonly ProcNode[]): void {
    const again = prepareRerun(this.#host, nodes);
    if (again.length > 0) this.want(again);
    this.#queueFlush();
  }

  /** Forgets all run state (the registry is cleared by the owner). */
  reset(): void {
    if (this.#active > 0) throw new UserError('clear() while procs are wanted or running: use waitClear()', 'E_BUSY');
    this.#queue.clear();
    this.#linker.clear();
    this.#deferred.clear();
    this.#interactive.reset();
    this.results.clear();
    this.#run.reset();
  }
}
