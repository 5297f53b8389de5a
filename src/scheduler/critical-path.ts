/** The chain of procs that determined a run's wall time (`RunEndEvent.criticalPath`). */
import type { ProcNode } from '../graph/proc-node.ts';

/**
 * From the proc that ended last back through the dep of each that ended last, among procs that
 * ran since `since` (first to last, with how long each ran).
 */
export function criticalPath(procs: Iterable<ProcNode>, since: number): { name: string; durationMs: number }[] {
  const ran = (n: ProcNode): boolean => n.executed && n.startedAt !== null && n.endedAt !== null && n.startedAt >= since;
  let last: ProcNode | null = null;
  for (const n of procs) if (ran(n) && (last === null || endsAfter(n, last))) last = n;
  const chain: ProcNode[] = [];
  for (let cur = last; cur !== null; ) {
    chain.push(cur);
    let next: ProcNode | null = null;
    for (const d of cur.depNodes) if (ran(d) && !chain.includes(d) && (next === null || endsAfter(d, next))) next = d;
    cur = next;
  }
  const out: { name: string; durationMs: number }[] = [];
  for (let i = chain.length - 1; i >= 0; i--) {
    const n = chain[i] as ProcNode;
    out.push({ name: n.name, durationMs: (n.endedAt as number) - (n.startedAt as number) });
  }
  return out;
}

/**
 * Whether `a` ended after `b`. Times are whole milliseconds, so quick procs often tie: then the
 * later start, then the one that needs the other (a dep and its dependent ending in the same
 * millisecond: the dependent ended last).
 */
function endsAfter(a: ProcNode, b: ProcNode): boolean {
  if (a.endedAt !== b.endedAt) return (a.endedAt as number) > (b.endedAt as number);
  if (a.startedAt !== b.startedAt) return (a.startedAt as number) > (b.startedAt as number);
  return a.depNodes.includes(b);
}
