/**
 * Wanting (SPEC 3–4): making procs wanted with their deps, linking edges, injecting reverse
 * dependencies, detecting cycles, and the deps that do not exist yet. It decides *what* is wanted
 * and how procs depend on each other; the scheduler decides *when* they run.
 */
import { UserError } from '../errors.ts';
import { findCycle } from '../graph/cycles.ts';
import { isFailure, isFinished, isSuccess, type ProcNode } from '../graph/proc-node.ts';
import { matchPattern, type Pattern } from '../graph/pattern.ts';
import { whenScheduledOpen, whenScheduledTargets, whenTargetScheduledPatterns, type RdepIndex, type TargetRule } from '../graph/rdeps.ts';
import type { Registry } from '../graph/registry.ts';

/** What wanting needs from the scheduler. */
export interface LinkHost {
  registry: Registry;
  rdeps: RdepIndex;
  allowMissingDeps(): boolean;
  /** Moves an idle proc to wanted (counters, events). */
  enterWanted(node: ProcNode, full: boolean): void;
  /** Ends a wanted proc, and what depends on it, `failed-dep`. */
  failDep(node: ProcNode, reason: string): void;
  /** A wanted proc has no pending deps left. */
  ready(node: ProcNode): void;
  queueFlush(): void;
  /** Keeps an error for the next `wait`/`waitForAll`. */
  deferError(err: unknown): void;
}

export class Linker {
  #host: LinkHost;
  /** Missing dep name → wanted procs blocked on it; resolved or failed at the next flush. */
  #missing = new Map<string, ProcNode[]>();
  /** `whenScheduled` targets that do not exist yet → their declarers. */
  #whenScheduledPending = new Map<string, ProcNode[]>();
  /** `whenScheduled` patterns a declarer's args could not fill: for targets wanted later. */
  #openWhenScheduled: { declarer: ProcNode; pattern: Pattern }[] = [];

  constructor(host: LinkHost) {
    this.#host = host;
  }

  /**
   * Makes procs wanted with their deps and rdeps (SPEC 3–4). Synchronous; throws the first
   * `UserError` found (cycle, higher-wave dep, unknown dep when not allowed, broken ordering
   * contract) after leaving every proc in a consistent state — the offenders end `failed-dep`.
   */
  want(roots: readonly ProcNode[], opts: { full?: boolean } = {}): void {
    const errors: UserError[] = [];
    const newly: ProcNode[] = [];
    // FIFO, so deps become wanted (and ready) in declaration order.
    const stack = [...roots];
    for (let head = 0; head < stack.length; head++) {
      const node = stack[head] as ProcNode;
      if (node.state !== 'idle') continue;
      this.#host.enterWanted(node, opts.full === true);
      newly.push(node);
      for (const depName of node.depNames) this.#link(node, depName, stack, errors);
      if (this.#host.rdeps.size > 0) this.#injectRdeps(node, stack, errors);
      if (node.opts.rdeps.length > 0) this.#declarerWanted(node, stack, errors);
      if (this.#openWhenScheduled.length > 0) this.#injectOpenWhenScheduled(node, stack, errors);
    }
    this.#settle(newly, errors);
  }

  /** A proc with rdeps became wanted: its `whenScheduled` targets, and its ordering contracts. */
  #declarerWanted(node: ProcNode, stack: ProcNode[], errors: UserError[]): void {
    const owner = `proc "${node.name}"`;
    for (const target of whenScheduledTargets(node.opts.rdeps, node.args, owner)) this.#injectInto(target, node, stack, errors, true);
    const sep = this.#host.registry.separator();
    for (const pattern of whenScheduledOpen(node.opts.rdeps, node.args, owner, sep)) this.#openWhenScheduled.push({ declarer: node, pattern });
    // A whenTargetScheduled target that already ran cannot run after its declarer any more.
    for (const pattern of whenTargetScheduledPatterns(node.opts.rdeps, sep)) {
      for (const t of this.#host.registry.procs.values()) {
        if (t === node || !(t.state === 'running' || isFinished(t.state)) || !matchPattern(pattern, t.name)) continue;
        errors.push(
          new UserError(
            `proc "${node.name}" must run before "${t.name}", which is already ${t.state}: the ordering contract of its rdep whenTargetScheduled("${pattern.source}") cannot be satisfied`,
            'E_ORDERING',
          ),
        );
        node.blockedReason ??= `its whenTargetScheduled target "${t.name}" already ${t.state}`;
      }
    }
  }

  /** `node` became wanted: declarers still wanted or running whose open pattern it matches go first. */
  #injectOpenWhenScheduled(node: ProcNode, stack: ProcNode[], errors: UserError[]): void {
    this.#openWhenScheduled = this.#openWhenScheduled.filter((o) => o.declarer.state === 'wanted' || o.declarer.state === 'running');
    for (const { declarer, pattern } of this.#openWhenScheduled) {
      if (declarer === node || node.depNames.includes(declarer.name) || !matchPattern(pattern, node.name)) continue;
      node.depNames.push(declarer.name);
      this.#link(node, declarer.name, stack, errors);
    }
  }

  /** Links `node` (wanted) to its dep `depName`, pushing idle deps to be wanted. */
  #link(node: ProcNode, depName: string, stack: ProcNode[], errors: UserError[]): void {
    const dep = this.#host.registry.lookup(depName);
    if (!dep) {
      if (!this.#host.allowMissingDeps()) {
        errors.push(new UserError(`proc "${node.name}": dependency "${depName}" does not exist (allowMissingDeps is false)`, 'E_UNKNOWN_PROC'));
        node.blockedReason ??= `dependency "${depName}" missing`;
        return;
      }
      node.pending++;
      let list = this.#missing.get(depName);
      if (!list) this.#missing.set(depName, (list = []));
      list.push(node);
      this.#host.queueFlush();
      return;
    }
    if (dep.wave > node.wave) {
      errors.push(
        new UserError(
          `proc "${node.name}" (wave ${node.wave}) cannot depend on proc "${dep.name}" (wave ${dep.wave}). Dependencies must have equal or lower wave number to avoid deadlock`,
          'E_WAVE',
        ),
      );
      node.blockedReason ??= `depends on higher-wave proc "${dep.name}"`;
      return;
    }
    this.#addEdge(node, dep, stack);
  }

  #addEdge(node: ProcNode, dep: ProcNode, stack: ProcNode[] | null): void {
    node.depNodes.push(dep);
    dep.dependents.push(node);
    if (isSuccess(dep.state)) return;
    if (isFailure(dep.state)) {
      node.blockedReason ??= `canceled due to failure of "${dep.name}"`;
      return;
    }
    node.pending++;
    if (dep.state === 'idle') {
      if (stack) stack.push(dep);
      else this.want([dep]);
    }
  }

  /** Plain and `whenTargetScheduled` rdeps whose target is `node`. */
  #injectRdeps(node: ProcNode, stack: ProcNode[], errors: UserError[]): void {
    let injections;
    try {
      injections = this.#host.rdeps.injectionsFor(node.name, (p) => this.#host.registry.createdFrom(p));
    } catch (err) {
      if (err instanceof UserError) {
        errors.push(err);
        return;
      }
      throw err;
    }
    for (const inj of injections) {
      if (node.depNames.includes(inj.inject)) continue;
      const s = this.#host.registry.lookup(inj.inject);
      if (!s) {
        errors.push(new UserError(`rdep "${inj.rule}": proc "${inj.inject}" to inject into "${node.name}" does not exist`, 'E_RDEP'));
        continue;
      }
      node.depNames.push(s.name);
      this.#link(node, s.name, stack, errors);
    }
  }

  /**
   * Injects `declarer` as a dep of the proc named `targetName` and wants that target
   * (`whenScheduled`). A target that does not exist yet is remembered until it is defined.
   */
  #injectInto(targetName: string, declarer: ProcNode, stack: ProcNode[] | null, errors: UserError[], strict: boolean): void {
    let target: ProcNode | undefined;
    try {
      target = this.#host.registry.lookup(targetName);
    } catch (err) {
      if (err instanceof UserError) return void errors.push(err);
      throw err;
    }
    if (!target) {
      let list = this.#whenScheduledPending.get(targetName);
      if (!list) this.#whenScheduledPending.set(targetName, (list = []));
      list.push(declarer);
      return;
    }
    if (target === declarer || target.depNames.includes(declarer.name)) return;
    if (target.state === 'running' || isFinished(target.state)) {
      if (strict) {
        errors.push(
          new UserError(
            `proc "${declarer.name}" must run before "${target.name}", which is already ${target.state}: the ordering contract of its rdep cannot be satisfied`,
            'E_ORDERING',
          ),
        );
      }
      return;
    }
    target.depNames.push(declarer.name);
    if (target.state === 'wanted') this.#link(target, declarer.name, stack ?? [], errors);
    else if (stack) stack.push(target);
    else this.want([target]);
  }

  /**
   * Rules registered after their targets became wanted ("is or becomes wanted", SPEC 4): inject
   * the declarers into wanted targets now. A `whenTargetScheduled` target already running or
   * finished breaks the ordering contract. Only scans when a run is under way.
   */
  applyNewRdeps(rules: readonly TargetRule[], runActive: boolean): void {
    if (rules.length === 0 || !runActive) return;
    const errors: UserError[] = [];
    const idleDeps: ProcNode[] = [];
    const touched: ProcNode[] = [];
    for (const node of this.#host.registry.procs.values()) {
      if (node.state === 'idle') continue;
      for (const inj of this.#host.rdeps.injectionsFor(node.name, (p) => this.#host.registry.createdFrom(p), rules)) {
        if (node.state !== 'wanted') {
          if (inj.strict) {
            errors.push(new UserError(`proc "${inj.inject}" must run before "${node.name}", which is already ${node.state}: the ordering contract of its rdep cannot be satisfied`, 'E_ORDERING'));
          }
          continue;
        }
        if (node.depNames.includes(inj.inject)) continue;
        node.depNames.push(inj.inject);
        this.#link(node, inj.inject, idleDeps, errors);
        touched.push(node);
      }
    }
    if (idleDeps.length > 0) this.want(idleDeps);
    for (const node of touched) if (node.state === 'wanted' && node.blockedReason !== null) this.#host.failDep(node, node.blockedReason);
    this.#host.queueFlush();
    if (errors.length > 0) throw errors[0];
  }

  /** After a batch became wanted: cycles, blocked procs, ready procs; then throws any error. */
  #settle(newly: ProcNode[], errors: UserError[]): void {
    if (newly.length > 0) {
      const cycle = findCycle(newly, (n) => n.state === 'wanted');
      if (cycle) {
        const text = cycle.join(' -> ');
        errors.push(new UserError(`Dependency cycle: ${text}`, 'E_CYCLE'));
        for (const name of new Set(cycle)) {
          const n = this.#host.registry.procs.get(name);
          if (n && n.state === 'wanted') n.blockedReason ??= `dependency cycle: ${text}`;
        }
      }
    }
    for (const node of newly) {
      if (node.state !== 'wanted') continue;
      if (node.blockedReason !== null) this.#host.failDep(node, node.blockedReason);
      else if (node.pending === 0) this.#host.ready(node);
    }
    this.#host.queueFlush();
    if (errors.length > 0) throw errors[0];
  }

  /** The registry made a new proc: satisfy procs that were waiting for that name. */
  procAdded(node: ProcNode): void {
    const waiting = this.#missing.get(node.name);
    if (waiting) {
      this.#missing.delete(node.name);
      this.#resolveMissing(node, waiting);
    }
    const declarers = this.#whenScheduledPending.get(node.name);
    if (declarers) {
      this.#whenScheduledPending.delete(node.name);
      const errors: UserError[] = [];
      for (const d of declarers) if (d.state === 'wanted' || d.state === 'running') this.#injectInto(node.name, d, null, errors, true);
      if (errors.length > 0) this.#host.deferError(errors[0]);
    }
  }

  #resolveMissing(dep: ProcNode, waiting: ProcNode[]): void {
    for (const w of waiting) {
      if (w.state !== 'wanted') continue;
      w.pending--; // it was counted as a blocker while missing; #addEdge counts it again if needed
      if (dep.wave > w.wave) {
        this.#host.deferError(new UserError(`proc "${w.name}" (wave ${w.wave}) cannot depend on proc "${dep.name}" (wave ${dep.wave}). Dependencies must have equal or lower wave number to avoid deadlock`, 'E_WAVE'));
        this.#host.failDep(w, `depends on higher-wave proc "${dep.name}"`);
        continue;
      }
      try {
        this.#addEdge(w, dep, null);
      } catch (err) {
        this.#host.deferError(err);
      }
      if (w.state !== 'wanted') continue;
      if (w.blockedReason !== null) this.#host.failDep(w, w.blockedReason);
      else if (w.pending === 0) this.#host.ready(w);
    }
    this.#host.queueFlush();
  }

  /** At a flush: link procs waiting for deps defined since, fail those still missing. */
  resolveMissingNow(): void {
    if (this.#missing.size === 0) return;
    const missing = [...this.#missing];
    this.#missing.clear();
    for (const [name, waiting] of missing) {
      let dep: ProcNode | undefined;
      try {
        dep = this.#host.registry.lookup(name);
      } catch (err) {
        this.#host.deferError(err);
      }
      if (dep) this.#resolveMissing(dep, waiting);
      else for (const w of waiting) this.#host.failDep(w, `dependency "${name}" missing`);
    }
  }

  clear(): void {
    this.#missing.clear();
    this.#whenScheduledPending.clear();
    this.#openWhenScheduled = [];
  }
}
