/**
 * The `parproc` module as a worker or child process sees it while replaying a task file: the
 * names of the public API, with managers that record function bodies and schedule nothing. It
 * loads no scheduler, display, task DB or option schemas, so a child process starts fast.
 * (A module that imports parproc's sources directly gets the full library, made inert the same
 * way.)
 */
import type { ProcBody } from '../graph/proc-node.ts';
import { recordReplayed } from './replay.ts';
import { stopHere } from './top-level-stop.ts';
import { captureSite } from './site.ts';

export * from '../public-values.ts';

const body = (fn: unknown): ProcBody | null =>
  typeof fn === 'function' ? { kind: 'fn', fn: fn as (ctx: never, args: never) => unknown, site: captureSite() } : null;

/** An inert manager: registration is recorded for the replay, everything else does nothing. */
export class ProcManager {
  constructor(_options?: unknown) {}

  proc(name: string, a: unknown, b?: unknown): string {
    const b0 = body(b === undefined ? a : b);
    if (b0) recordReplayed(name, b0);
    return name;
  }

  proto(pattern: string, a: unknown, b?: unknown): string {
    const b0 = body(b === undefined ? a : b);
    if (b0) recordReplayed(pattern, b0);
    return pattern;
  }

  create(): string[] {
    return [];
  }
  start(): void {}
  run(): string[] {
    return [];
  }
  // The module's top level stops at a wait: what it does after a run is the parent's (top-level-stop.ts).
  wait(): Promise<void> {
    return stopHere(undefined);
  }
  waitForAll(): Promise<boolean> {
    return stopHere(true);
  }
  waitClear(): Promise<boolean> {
    return stopHere(true);
  }
  clear(): void {}
  results(): Record<string, unknown> {
    return {};
  }
  setOptions(): void {}
  setParams(): void {}
  getOptions(): Record<string, unknown> {
    return {};
  }
  getProcs(): ReadonlyMap<string, unknown> {
    return new Map();
  }
  getProtos(): ReadonlyMap<string, unknown> {
    return new Map();
  }
  watch(): Promise<void> {
    return stopHere(undefined);
  }
  onEvent(): () => void {
    return () => {};
  }
  hold(): void {}
  release(): void {}
  interrupt(): void {}
  close(): void {}
}

const KEY = Symbol.for('parproc.replay-default-manager');
const g = globalThis as unknown as Record<symbol, ProcManager | undefined>;

export function defaultManager(): ProcManager {
  return (g[KEY] ??= new ProcManager());
}
export function setDefaultManager(m: ProcManager): ProcManager {
  return m;
}

type M = ProcManager;
export const proc = (name: string, a: unknown, b?: unknown): string => defaultManager().proc(name, a, b);
export const proto = (pattern: string, a: unknown, b?: unknown): string => defaultManager().proto(pattern, a, b);
export const create: M['create'] = () => [];
export const start: M['start'] = () => {};
export const run: M['run'] = () => [];
export const wait: M['wait'] = () => stopHere(undefined);
export const waitForAll: M['waitForAll'] = () => stopHere(true);
export const waitClear: M['waitClear'] = () => stopHere(true);
export const clear: M['clear'] = () => {};
export const results: M['results'] = () => ({});
export const setOptions: M['setOptions'] = () => {};
export const setParams: M['setParams'] = () => {};
export const getProcs: M['getProcs'] = () => new Map();
export const getProtos: M['getProtos'] = () => new Map();
export const watch: M['watch'] = () => stopHere(undefined);
export const onEvent: M['onEvent'] = () => () => {};
