/**
 * Watch mode (SPEC 8): after the work in flight, watch the inputs of the watch set and, on each
 * debounced batch of changes, run again exactly the procs the changes affect — their owners and
 * everything downstream of them — and nothing else.
 *
 *   idle ──batch──▶ rebuild (a run) ──run-end──▶ idle, or the one queued follow-up rebuild
 *                     │ batch touching a running proc: that proc is stopped and runs again now
 *                     │ batch touching finished procs: merged into the follow-up
 *
 * Never triggers: parproc's logs, the task DB, anything under `.parproc/`, paths the proc's inputs
 * do not match, directories, a proc's writes to its declared outputs (while it runs, or dated
 * within its last run), and files a proc created during its own run that were not among its
 * inputs when it started (what a generator writes into its own input directory).
 */
import { statSync } from 'node:fs';
import { relative, resolve, sep } from '../util/path.ts';
import { fillSpecs } from '../graph/proc-specs.ts';
import { resolveOutputs } from '../files/outputs.ts';
import { ignoreMatcher } from '../files/inputs.ts';
import { isFinished, type ProcNode } from '../graph/proc-node.ts';
import type { RunEvent } from '../events.ts';
import { FileWatcher } from './file-watcher.ts';
import { planProc, type ProcWatch } from './plan.ts';
import { after, type Timer } from '../util/timer.ts';

/** How far a file's mtime may lag the clock that timed the proc. */
const MTIME_SLACK_MS = 20;

export interface WatchHost {
  procs(): ReadonlyMap<string, ProcNode>;
  params(): Record<string, unknown>;
  /** Seconds of quiet before a batch of changes is acted on (0: at once). */
  debounce(): number;
  globalInputsIgnore(): readonly string[];
  /** Paths whose changes never count, absolute: parproc's own files (files/own-paths.ts). */
  ownPaths(): string[];
  emit(e: RunEvent): void;
  warn(message: string): void;
  /** Resolves when nothing is wanted or running (failures do not reject). */
  settled(): Promise<void>;
  busy(): boolean;
  /** Calls `fn` at every run's end; returns the unsubscribe function. */
  onRunEnd(fn: () => void): () => void;
  /** Calls `fn` when a proc that ran ends; returns the unsubscribe function. */
  onProcEnd(fn: (node: ProcNode) => void): () => void;
  reschedule(nodes: readonly ProcNode[]): void;
}

/** Deps of `node`, linked or (while idle) by name. */
function depsOf(node: ProcNode, procs: ReadonlyMap<string, ProcNode>): ProcNode[] {
  if (node.depNodes.length > 0) return node.depNodes;
  return node.depNames.map((n) => procs.get(n)).filter((n): n is ProcNode => n !== undefined);
}

export class WatchSession {
  #host: WatchHost;
  #plans: ProcWatch[] = [];
  #scheduled = new Set<ProcNode>();
  #ignored: (path: string) => boolean = () => false;
  /** Each scheduled proc with declared outputs, and the test for them. */
  #outputs: [node: ProcNode, isOutput: (path: string) => boolean][] = [];
  #pending = new Set<string>();
  /** Files procs created during their own runs (`name\0path` → mtime), see `#procEnded`. */
  #ownWrites = new Map<string, number>();
  #timer: Timer | null = null;
  /** Finished procs (and the changes) waiting for the current rebuild to end. */
  #followUp: { procs: Set<ProcNode>; changed: Set<string> } | null = null;
  /** Changed paths are shown relative to this. */
  #base = process.cwd();

  constructor(host: WatchHost) {
    this.#host = host;
  }

  /** Watches until `signal` aborts; resolves then, with every watcher closed. */
  async run(names: readonly string[] | undefined, signal: AbortSignal | undefined): Promise<void> {
    await this.#host.settled();
    if (signal?.aborted) return;
    const procs = this.#host.procs();
    this.#scheduled = new Set([...procs.values()].filter((n) => n.state !== 'idle'));
    const watchSet = names ? this.#closure(names.map((n) => procs.get(n)).filter((n): n is ProcNode => n !== undefined), procs) : this.#scheduled;
    this.#plans = [...watchSet].map((n) => planProc(n, this.#host.params(), this.#host.globalInputsIgnore()));
    this.#ignored = this.#ignoreRule();
    this.#outputs = this.#outputRules();
    const watcher = new FileWatcher(
      this.#plans.flatMap((p) => p.roots),
      { onChange: (p) => this.#enqueue(p), onWarning: (m) => this.#host.warn(m), poll: process.env.PARPROC_WATCH_POLL === '1' },
    );
    const offRunEnd = this.#host.onRunEnd(() => this.#runFollowUp());
    const offProcEnd = this.#host.onProcEnd((n) => this.#procEnded(n));
    if (this.#plans.every((p) => p.roots.length === 0)) this.#host.warn('watch: none of the watched procs has inputs, so no input change can rebuild anything');
    this.#host.emit({ type: 'watch-ready', at: Date.now() });
    // Watching holds the process open even with nothing to watch: a pending promise alone does
    // not, and the process would end as if the watch were over.
    const alive = setInterval(() => {}, 1 << 30);
    try {
      await new Promise<void>((resolveAbort) => {
        if (!signal) return; // watch for ever
        signal.addEventListener('abort', () => resolveAbort(), { once: true });
      });
    } finally {
      clearInterval(alive);
      watcher.close();
      offRunEnd();
      offProcEnd();
      this.#timer?.clear();
    }
  }

  /** `roots` and every proc they need. */
  #closure(roots: ProcNode[], procs: ReadonlyMap<string, ProcNode>): Set<ProcNode> {
    const out = new Set<ProcNode>();
    const stack = [...roots];
    while (stack.length > 0) {
      const n = stack.pop() as ProcNode;
      if (out.has(n)) continue;
      out.add(n);
      stack.push(...depsOf(n, procs));
    }
    return out;
  }

  /** parproc's own files (the log dir, the task DB, the trace), and `.parproc/`. */
  #ignoreRule(): (path: string) => boolean {
    const dirs = this.#host.ownPaths();
    return (path) =>
      path.includes(`${sep}.parproc${sep}`) ||
      path.endsWith(`${sep}.parproc`) ||
      dirs.some((d) => path === d || path.startsWith(d + sep) || path.startsWith(`${d}-`));
  }

  /** Declared outputs, per proc: a directory covers what is under it, a glob what it will match. */
  #outputRules(): [ProcNode, (path: string) => boolean][] {
    const rules: [ProcNode, (path: string) => boolean][] = [];
    for (const n of this.#scheduled) {
      if (n.opts.outputs.length === 0) continue;
      const base = resolve(n.opts.cwd ?? '.');
      try {
        const paths = resolveOutputs(fillSpecs(n.opts.outputs, n), { procName: n.name, params: this.#host.params(), args: n.args }, base, false).map((o) => o.path);
        rules.push([n, ignoreMatcher(paths, '/')]);
      } catch {
        // an outputs function that throws: nothing is its output
      }
    }
    return rules;
  }

  /**
   * A change to a proc's declared output is that proc's own write — not a change to whoever reads
   * the file — while it runs, or when the file's time falls within its last run. One made at
   * another time (a hand edit of a file a formatter rewrites, and the tests read) counts.
   */
  #outputWrite(path: string, gone: boolean): boolean {
    let mtime: number | null = null;
    for (const [node, isOutput] of this.#outputs) {
      if (!isOutput(path)) continue;
      if (node.state === 'running') return true;
      if (gone || node.startedAt === null || node.endedAt === null) continue;
      try {
        mtime ??= statSync(path).mtimeMs;
      } catch {
        return false;
      }
      // (The kernel's file clock lags: a write during the run is never dated after its end.)
      if (mtime >= node.startedAt - MTIME_SLACK_MS && mtime <= node.endedAt) return true;
    }
    return false;
  }

  #enqueue(path: string): void {
    if (this.#ignored(path)) return;
    this.#pending.add(path);
    this.#timer?.clear();
    this.#timer = after(this.#host.debounce() * 1000, () => this.#fire());
  }

  #fire(): void {
    this.#timer = null;
    const gone = new Set<string>();
    const changed = [...this.#pending].filter((p) => {
      try {
        return !statSync(p).isDirectory(); // directory-only events do not count
      } catch {
        gone.add(p);
        return true; // deleted: a change
      }
    });
    this.#pending = new Set();
    const affected = new Set<ProcNode>();
    /** Each relevant changed path and the procs whose inputs it is. */
    const owners = new Map<string, ProcNode[]>();
    for (const path of changed) {
      if (this.#outputWrite(path, gone.has(path))) continue;
      for (const plan of this.#plans) {
        if (!plan.owns(path, gone.has(path))) continue;
        // A proc's own new files (a generator writing into its input dir) do not count for it.
        if (this.#ownWrite(plan.node, path)) continue;
        affected.add(plan.node);
        owners.set(path, [...(owners.get(path) ?? []), plan.node]);
      }
    }
    if (affected.size === 0) return;
    /** The changed paths that are inputs of `procs`. */
    const pathsOf = (procs: Iterable<ProcNode>): string[] => {
      const set = new Set(procs);
      return [...owners].filter(([, nodes]) => nodes.some((n) => set.has(n))).map(([p]) => p);
    };
    const dirty = this.#downstream(affected);
    if (!this.#host.busy()) {
      this.#rebuild(dirty, [...owners.keys()]);
      return;
    }
    // A rebuild is under way: running procs whose inputs changed run again now (their dependents
    // wait); finished ones go to the single follow-up rebuild.
    const now = [...dirty].filter((n) => n.state === 'running' && affected.has(n));
    if (now.length > 0) this.#rebuild(new Set(now), pathsOf(now));
    const later = [...dirty].filter((n) => isFinished(n.state) || n.state === 'idle');
    if (later.length > 0) {
      this.#followUp ??= { procs: new Set(), changed: new Set() };
      for (const n of later) this.#followUp.procs.add(n);
      for (const c of pathsOf([...affected].filter((n) => later.includes(n)))) this.#followUp.changed.add(c);
    }
  }

  #runFollowUp(): void {
    const f = this.#followUp;
    if (!f) return;
    this.#followUp = null;
    // Run at the next turn: the run that just ended finishes its bookkeeping first.
    queueMicrotask(() => this.#rebuild(this.#downstream(f.procs), [...f.changed]));
  }

  /**
   * When a watched proc ends: the input files written during its run (on disk now, modified since
   * it started: new ones, or inputs it rewrote) are its own writes, remembered with their mtime.
   * Decided at its end, not when the events arrive, which may be later. (An edit by hand during a
   * run so short that its events arrive only after the run ended is the one change it cannot tell
   * from its own.)
   */
  #procEnded(node: ProcNode): void {
    const plan = this.#plans.find((p) => p.node === node);
    if (!plan || !node.inputs || node.startedAt === null) return;
    let files: string[];
    try {
      files = plan.current();
    } catch {
      return;
    }
    for (const path of files) {
      try {
        const mtime = statSync(path).mtimeMs;
        // Written during its run: a new file (a generator's), or one of its inputs it rewrote (a
        // formatter that did not declare it as an output: each run's write started the next, for
        // ever). File times come from the kernel's coarse clock, a tick (up to ~10 ms) behind Date.now().
        if (mtime >= node.startedAt - MTIME_SLACK_MS) this.#ownWrites.set(`${node.name}\0${path}`, mtime);
      } catch {
        // gone again
      }
    }
  }

  /** A change is `node`'s own write if the file is as the proc left it. */
  #ownWrite(node: ProcNode, path: string): boolean {
    const mtime = this.#ownWrites.get(`${node.name}\0${path}`);
    if (mtime === undefined) return false;
    try {
      return statSync(path).mtimeMs === mtime;
    } catch {
      return false;
    }
  }

  /** `nodes` and every scheduled proc downstream of them. */
  #downstream(nodes: Iterable<ProcNode>): Set<ProcNode> {
    const out = new Set<ProcNode>();
    const stack = [...nodes];
    while (stack.length > 0) {
      const n = stack.pop() as ProcNode;
      if (out.has(n) || !this.#scheduled.has(n)) continue;
      out.add(n);
      stack.push(...n.dependents);
    }
    return out;
  }

  #rebuild(dirty: Set<ProcNode>, changed: string[]): void {
    if (dirty.size === 0) return;
    this.#host.emit({
      type: 'watch-rebuild',
      at: Date.now(),
      changed: changed.map((p) => relative(this.#base, p) || p),
      procs: dependencyOrder(dirty, this.#scheduled).map((n) => n.name),
    });
    this.#host.reschedule([...dirty]);
  }
}

/**
 * `nodes` with each after its deps among them, ties in the order of `all` (registration): how a
 * rebuild lists its procs.
 */
function dependencyOrder(nodes: ReadonlySet<ProcNode>, all: Iterable<ProcNode>): ProcNode[] {
  const out: ProcNode[] = [];
  const placed = new Set<ProcNode>();
  for (const root of all) {
    if (!nodes.has(root)) continue;
    // Iterative depth-first walk (a chain of thousands would overflow recursion).
    const stack: [ProcNode, number][] = [[root, 0]];
    while (stack.length > 0) {
      const top = stack[stack.length - 1] as [ProcNode, number];
      const [n, i] = top;
      if (i === 0 && placed.has(n)) {
        stack.pop();
        continue;
      }
      if (i === 0) placed.add(n);
      const dep = n.depNodes[i];
      if (dep === undefined) {
        stack.pop();
        out.push(n);
      } else {
        top[1] = i + 1;
        if (nodes.has(dep) && !placed.has(dep)) stack.push([dep, 0]);
      }
    }
  }
  return out;
}
