/**
 * Replay mode, inside a worker or child process: a module is imported again to find a proc's
 * function. Every manager made there is inert — `proc()`/`proto()` only record function bodies
 * here, by call site, and scheduling calls do nothing — so importing a task file starts nothing.
 * Sites are resolved lazily (formatting a stack costs a few µs), when a job asks for one.
 */
import type { ProcBody } from '../graph/proc-node.ts';
import { captureSite, resolveSite } from './site.ts';

type FnBody = Extract<ProcBody, { kind: 'fn' }>;

interface Index {
  /** Recorded bodies by registered name; their sites are resolved only when a job asks. */
  byName: Map<string, FnBody[]>;
  /** Modules whose top level stopped at a `wait`/`waitForAll`/`waitClear`, and how to go on (see `suspendHere`). */
  suspended: Map<string, () => void>;
  /** Called at the next such stop. */
  onSuspend: (() => void)[];
}

const KEY = Symbol.for('parproc.replay');
const g = globalThis as unknown as Record<symbol, Index | undefined>;

/** Turns replay mode on for this thread or process (worker and child entries do, first thing). */
export function enterReplay(): void {
  g[KEY] ??= { byName: new Map(), suspended: new Map(), onSuspend: [] };
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

/**
 * A `wait`, `waitForAll` or `waitClear` of an inert manager: the replayed module's top level stops
 * here, and goes on (the call returning `value`) only if a job needs a proc it registers further
 * down (`resumeAt`). What a module does after its last run — print results, write a report,
 * `process.exit` — belongs to the parent's run and must not happen once per worker or child.
 */
export function suspendHere<T>(value: T): Promise<T> {
  const index = g[KEY];
  if (!index) return Promise.resolve(value);
  const file = resolveSite(captureSite(8))?.file ?? '';
  return new Promise<T>((resolve) => {
    index.suspended.set(file, () => resolve(value));
    for (const wake of index.onSuspend.splice(0)) wake();
  });
}

/** Resolves at the next stop of a replayed module's top level (`suspendHere`). */
export function nextSuspension(): Promise<void> {
  return new Promise((resolve) => g[KEY]?.onSuspend.push(resolve));
}

/**
 * Lets `module`'s top level go on past the wait it stopped at (it registers more further down);
 * `false` when it is not stopped at one.
 */
export function resumeAt(module: string): boolean {
  const index = g[KEY];
  const goOn = index?.suspended.get(module);
  if (!index || !goOn) return false;
  index.suspended.delete(module);
  goOn();
  return true;
}
