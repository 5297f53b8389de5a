/**
 * Replay mode, inside a worker or child process: a module is imported again to find a proc's
 * function. Every manager made there is inert — `proc()`/`proto()` only record function bodies
 * here, by call site, and scheduling calls do nothing — so importing a task file starts nothing.
 * Sites are resolved lazily (formatting a stack costs a few µs), when a job asks for one.
 */
import type { ProcBody } from '../graph/proc-node.ts';
import { resolveSite } from './site.ts';
import { watchTopLevelStops } from './top-level-stop.ts';

type FnBody = Extract<ProcBody, { kind: 'fn' }>;

interface Index {
  /** Recorded bodies by registered name; their sites are resolved only when a job asks. */
  byName: Map<string, FnBody[]>;
}

const KEY = Symbol.for('parproc.replay');
const g = globalThis as unknown as Record<symbol, Index | undefined>;

/** Turns replay mode on for this thread or process (worker and child entries do, first thing). */
export function enterReplay(): void {
  g[KEY] ??= { byName: new Map() };
  // A replayed module's top level stops at a wait (top-level-stop.ts), and goes on only when a
  // job needs a proc it registers further down.
  watchTopLevelStops();
}

/** Whether managers made here are inert (this is a worker or child replaying a module). */
export function inReplay(): boolean {
  return g[KEY] !== undefined;
}

/** Records a function registered while replaying, under its registered name (proc or pattern). */
export function recordReplayed(definedAs: string, body: ProcBody): void {
  const index = g[KEY];
  if (!index || body.kind !== 'fn' || body.site === null) return;
  const list = index.byName.get(definedAs);
  if (list) list.push(body);
  else index.byName.set(definedAs, [body]);
}

/**
 * The body registered at `site` under `definedAs`, if the replay registered it. Only bodies of
 * that name have their stacks formatted (a task file may register thousands).
 */
export function replayedBody(site: string, definedAs: string): FnBody | undefined {
  for (const body of g[KEY]?.byName.get(definedAs) ?? []) {
    if (body.site && resolveSite(body.site)?.key === site) return body;
  }
  return undefined;
}
