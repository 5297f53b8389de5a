/**
 * Scheduling from history (SPEC 3): among ready procs, those whose last recorded run failed go
 * first (`failedFirst`), then the longest expected remaining path — a proc's own expected
 * duration plus the longest chain of expected durations through the procs waiting on it. A proc
 * with no history counts as the median of the known ones. Ties keep FIFO order (the queue's
 * sequence), and with no history at all there is no ranking: the order is exactly FIFO.
 *
 * Remaining paths are computed on demand, iteratively (no recursion: 100,000-proc chains), and
 * memoised until the graph changes (procs wanted mid-run by rdeps or `ctx.create`).
 */
import type { ProcNode } from '../graph/proc-node.ts';

export interface History {
  /** Expected durations (ms) of procs with successful runs. */
  expected: ReadonlyMap<string, number>;
  /** Procs whose last recorded run failed. */
  failedLast: ReadonlySet<string>;
}

/** Remaining paths that differ by less than this count as equal (FIFO among them). */
const RANK_STEP_MS = 10;

/** Ranks added for a proc that failed last time: it outranks any path length. */
const FAILED_BOOST = 1e15;

/**
 * The `k`-th smallest of `xs` (0-based), reordering `xs`: quickselect, linear on average — the
 * median of 10,000 procs' expected durations without sorting them all.
 */
export function kth(xs: number[], k: number): number {
  let lo = 0;
  let hi = xs.length - 1;
  while (lo < hi) {
    const pivot = xs[(lo + hi) >> 1] as number;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while ((xs[i] as number) < pivot) i++;
      while ((xs[j] as number) > pivot) j--;
      if (i <= j) {
        const t = xs[i] as number;
        xs[i] = xs[j] as number;
        xs[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return xs[k] as number;
  }
  return xs[k] as number;
}

/**
 * What a proc without history counts as: the median of the known expected durations (the upper
 * one of an even count); `null` when none is known.
 */
export function medianDuration(expected: ReadonlyMap<string, number>): number | null {
  if (expected.size === 0) return null;
  const known = [...expected.values()];
  return kth(known, Math.floor(known.length / 2));
}

export class Priorities {
  #history: History;
  #failedFirst: boolean;
  #unknown: number;
  #memo = new Map<ProcNode, number>();

  constructor(history: History, failedFirst: boolean) {
    this.#history = history;
    this.#failedFirst = failedFirst;
    this.#unknown = medianDuration(history.expected) ?? 1;
  }

  /** Whether ranking changes anything (some history is known). */
  get active(): boolean {
    return this.#history.expected.size > 0 || (this.#failedFirst && this.#history.failedLast.size > 0);
  }

  /** The graph changed: forget computed paths. */
  invalidate(): void {
    if (this.#memo.size > 0) this.#memo = new Map();
  }

  /** Expected duration of one proc (ms). */
  weight(node: ProcNode): number {
    return this.#history.expected.get(node.name) ?? this.#unknown;
  }

  /**
   * The rank of a ready proc: higher starts first. Paths are compared in steps of `RANK_STEP_MS`:
   * differences below that are noise in the history, and such procs keep their FIFO order.
   */
  rank(node: ProcNode): number {
    const boost = this.#failedFirst && this.#history.failedLast.has(node.name) ? FAILED_BOOST : 0;
    return boost + Math.floor(this.remaining(node) / RANK_STEP_MS);
  }

  /** Expected time from `node`'s start to the end of the longest chain through its dependents. */
  remaining(node: ProcNode): number {
    const memo = this.#memo;
    // The common case costs nothing to remember: nothing waits on it.
    if (node.dependents.length === 0) return this.weight(node);
    const hit = memo.get(node);
    if (hit !== undefined) return hit;
    // Iterative post-order over pending dependents.
    const stack: [ProcNode, number][] = [[node, 0]];
    const onPath = new Set<ProcNode>([node]);
    while (stack.length > 0) {
      const top = stack[stack.length - 1] as [ProcNode, number];
      const [n, i] = top;
      const ds = n.dependents;
      if (i < ds.length) {
        top[1] = i + 1;
        const d = ds[i] as ProcNode;
        if (d.state !== 'wanted' || d.dependents.length === 0 || memo.has(d) || onPath.has(d)) continue;
        onPath.add(d);
        stack.push([d, 0]);
        continue;
      }
      let best = 0;
      for (const d of ds) {
        if (d.state !== 'wanted') continue;
        const r = d.dependents.length === 0 ? this.weight(d) : memo.get(d);
        if (r !== undefined && r > best) best = r;
      }
      memo.set(n, this.weight(n) + best);
      onPath.delete(n);
      stack.pop();
    }
    return memo.get(node) as number;
  }
}
