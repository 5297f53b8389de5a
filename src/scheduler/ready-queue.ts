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

  /** Puts `x` first (O(1) after a shift). */
  unshift(x: T): void {
    if (this.#head > 0) this.#items[--this.#head] = x;
    else this.#items.unshift(x);
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

/**
 * Highest rank first, FIFO among equal ranks: a FIFO per rank, and the distinct ranks kept
 * sorted. Ranks are coarse (10 ms steps of an expected path), so there are few distinct ones and
 * a push or pop is O(1) in the common case (a new rank costs a binary search and an insert).
 */
class RankQueue<T> {
  #buckets = new Map<number, Fifo<T>>();
  /** Distinct ranks with a non-empty FIFO, ascending (the highest is last). */
  #ranks: number[] = [];
  #size = 0;

  get size(): number {
    return this.#size;
  }

  push(x: T, rank: number, first = false): void {
    let b = this.#buckets.get(rank);
    if (b === undefined) {
      this.#buckets.set(rank, (b = new Fifo<T>()));
      const ranks = this.#ranks;
      let lo = 0;
      let hi = ranks.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if ((ranks[mid] as number) < rank) lo = mid + 1;
        else hi = mid;
      }
      ranks.splice(lo, 0, rank);
    }
    if (first) b.unshift(x);
    else b.push(x);
    this.#size++;
  }

  shift(): T | undefined {
    const rank = this.#ranks[this.#ranks.length - 1];
    if (rank === undefined) return undefined;
    const b = this.#buckets.get(rank) as Fifo<T>;
    const x = b.shift();
    if (b.size === 0) {
      this.#buckets.delete(rank);
      this.#ranks.pop();
    }
    this.#size--;
    return x;
  }
}

export class ReadyQueue {
  /** Ranks ready procs (scheduling from history); `null`: FIFO. Set per run. */
  rank: ((node: ProcNode) => number) | null = null;
  #ranked = new Map<number, RankQueue<ProcNode>>();
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
      if (!h) this.#ranked.set(node.wave, (h = new RankQueue()));
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
    return this.#ready.get(min)?.shift() ?? this.#ranked.get(min)?.shift();
  }

  /** Puts a popped proc back where it was: first among its equals. */
  unshift(node: ProcNode): void {
    if (this.rank) {
      let h = this.#ranked.get(node.wave);
      if (!h) this.#ranked.set(node.wave, (h = new RankQueue()));
      h.push(node, this.rank(node), true);
      return;
    }
    let q = this.#ready.get(node.wave);
    if (!q) this.#ready.set(node.wave, (q = new Fifo()));
    q.unshift(node);
  }

  /** Ranks from now on (`null`: FIFO); procs already waiting are ranked too, in FIFO order. */
  setRank(rank: ((node: ProcNode) => number) | null): void {
    this.rank = rank;
    if (rank === null) return;
    for (const [wave, fifo] of this.#ready) {
      let h = this.#ranked.get(wave);
      if (!h) this.#ranked.set(wave, (h = new RankQueue()));
      for (let n = fifo.shift(); n !== undefined; n = fifo.shift()) h.push(n, rank(n));
    }
    this.#ready.clear();
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
