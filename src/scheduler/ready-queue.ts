/**
 * Procs whose deps are done, waiting for a slot, a lock or their wave. O(1) push and pop; the wave
 * gate only looks at the handful of distinct wave numbers, never at all procs.
 */
import type { ProcNode } from '../graph/proc-node.ts';

/** A FIFO with amortised O(1) shift. */
class Fifo<T> {
  #items: T[] = [];
  #head = 0;

  get size(): number {
    return this.#items.length - this.#head;
  }

  push(x: T): void {
    this.#items.push(x);
  }

  shift(): T | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const x = this.#items[this.#head];
    this.#items[this.#head++] = undefined as T;
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return x;
  }
}

/** A max-heap on rank, FIFO (insertion sequence) among equal ranks. */
class RankHeap<T> {
  #items: { x: T; rank: number; seq: number }[] = [];
  #seq = 0;

  get size(): number {
    return this.#items.length;
  }

  #before(a: { rank: number; seq: number }, b: { rank: number; seq: number }): boolean {
    return a.rank > b.rank || (a.rank === b.rank && a.seq < b.seq);
  }

  push(x: T, rank: number): void {
    const items = this.#items;
    items.push({ x, rank, seq: this.#seq++ });
    let i = items.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.#before(items[i] as never, items[p] as never)) break;
      [items[i], items[p]] = [items[p] as never, items[i] as never];
      i = p;
    }
  }

  shift(): T | undefined {
    const items = this.#items;
    const top = items[0];
    if (!top) return undefined;
    const last = items.pop() as (typeof items)[number];
    if (items.length > 0) {
      items[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < items.length && this.#before(items[l] as never, items[m] as never)) m = l;
        if (r < items.length && this.#before(items[r] as never, items[m] as never)) m = r;
        if (m === i) break;
        [items[i], items[m]] = [items[m] as never, items[i] as never];
        i = m;
      }
    }
    return top.x;
  }
}

export class ReadyQueue {
  /** Ranks ready procs (scheduling from history); `null`: FIFO. Set per run. */
  rank: ((node: ProcNode) => number) | null = null;
  #ranked = new Map<number, RankHeap<ProcNode>>();
  /** Wanted + running procs per wave: a wave may start only when all lower ones are empty. */
  #active = new Map<number, number>();
  #ready = new Map<number, Fifo<ProcNode>>();
  /** Each held lock and the proc holding it (for wait-cycle detection). */
  #locksHeld = new Map<string, ProcNode>();
  #lockWaiters = new Map<string, ProcNode[]>();

  /** A proc of `wave` became wanted. */
  enter(wave: number): void {
    this.#active.set(wave, (this.#active.get(wave) ?? 0) + 1);
  }

  /** A proc of `wave` left wanted/running. */
  leave(wave: number): void {
    const n = (this.#active.get(wave) ?? 0) - 1;
    if (n > 0) this.#active.set(wave, n);
    else this.#active.delete(wave);
  }

  push(node: ProcNode): void {
    if (this.rank) {
      let h = this.#ranked.get(node.wave);
      if (!h) this.#ranked.set(node.wave, (h = new RankHeap()));
      h.push(node, this.rank(node));
      return;
    }
    let q = this.#ready.get(node.wave);
    if (!q) this.#ready.set(node.wave, (q = new Fifo()));
    q.push(node);
  }

  /** The next candidate of the lowest active wave, or `undefined`. May be stale: callers re-check. */
  pop(): ProcNode | undefined {
    let min = Infinity;
    for (const w of this.#active.keys()) if (w < min) min = w;
    if (min === Infinity) return undefined;
    // Procs pushed before a ranking was set stay in FIFO order, ahead of ranked ones.
    return this.#ready.get(min)?.shift() ?? this.#ranked.get(min)?.shift();
  }

  /** The first of `locks` held by a running proc, if any. */
  heldLock(locks: readonly string[]): string | undefined {
    for (const l of locks) if (this.#locksHeld.has(l)) return l;
    return undefined;
  }

  /** Parks `node` until `lock` is released. */
  parkOnLock(node: ProcNode, lock: string): void {
    let list = this.#lockWaiters.get(lock);
    if (!list) this.#lockWaiters.set(lock, (list = []));
    list.push(node);
  }

  acquire(node: ProcNode): void {
    for (const l of node.opts.locks) this.#locksHeld.set(l, node);
  }

  /** The proc holding `lock`, if any. */
  holder(lock: string): ProcNode | undefined {
    return this.#locksHeld.get(lock);
  }

  /** Releases the locks `node` holds and puts the procs parked on them back in the queue. */
  release(node: ProcNode): void {
    for (const l of node.opts.locks) {
      if (this.#locksHeld.get(l) !== node) continue;
      this.#locksHeld.delete(l);
      const parked = this.#lockWaiters.get(l);
      if (parked) {
        this.#lockWaiters.delete(l);
        for (const n of parked) this.push(n);
      }
    }
  }

  clear(): void {
    this.#active.clear();
    this.#ready.clear();
    this.#ranked.clear();
    this.#locksHeld.clear();
    this.#lockWaiters.clear();
  }
}
