/**
 * Dependency cycle detection over the wanted part of the graph. Iterative (no recursion, so a
 * 100,000-proc chain is fine) and linear in the nodes and edges it visits.
 */
import { isFinished, type ProcNode } from './proc-node.ts';

/**
 * A cycle reachable from `roots` through `depNodes` among nodes accepted by `follow`, as the list
 * of names `[a, b, …, a]`, or `null`.
 */
export function findCycle(roots: readonly ProcNode[], follow: (n: ProcNode) => boolean): string[] | null {
  // 1 = on the current path, 2 = done.
  const mark = new Map<ProcNode, 1 | 2>();
  for (const root of roots) {
    if (mark.has(root) || !follow(root)) continue;
    const path: ProcNode[] = [root];
    const next: number[] = [0];
    mark.set(root, 1);
    while (path.length > 0) {
      const top = path.length - 1;
      const node = path[top] as ProcNode;
      const i = next[top] as number;
      if (i >= node.depNodes.length) {
        mark.set(node, 2);
        path.pop();
        next.pop();
        continue;
      }
      next[top] = i + 1;
      const dep = node.depNodes[i] as ProcNode;
      const m = mark.get(dep);
      if (m === 2 || !follow(dep)) continue;
      if (m === 1) {
        const from = path.indexOf(dep);
        return [...path.slice(from).map((n) => n.name), dep.name];
      }
      mark.set(dep, 1);
      path.push(dep);
      next.push(0);
    }
  }
  return null;
}

/**
 * Whether `waiter` waiting for `nodes` would wait forever: following what each unfinished proc
 * waits on — its unfinished deps, the procs of its own `ctx.wait` calls, and (while it has not
 * started) the holders of the locks it needs — leads back to the waiter. `holderOf` names the
 * proc holding a lock, if any.
 */
export function waitWouldCycle(
  waiter: ProcNode,
  nodes: readonly ProcNode[],
  holderOf: (lock: string) => ProcNode | undefined,
): boolean {
  const seen = new Set<ProcNode>();
  const queue = nodes.filter((n) => !isFinished(n.state));
  for (let i = 0; i < queue.length; i++) {
    const n = queue[i] as ProcNode;
    if (n === waiter) return true;
    if (seen.has(n)) continue;
    seen.add(n);
    if (n.state === 'wanted') {
      for (const l of n.opts.locks) {
        const holder = holderOf(l);
        if (holder !== undefined && holder !== n) queue.push(holder);
      }
    }
    for (const d of n.depNodes) if (!isFinished(d.state)) queue.push(d);
    for (const wait of n.waitingFor) for (const d of wait) if (!isFinished(d.state)) queue.push(d);
  }
  return false;
}
