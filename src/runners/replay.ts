/**
 * Replay mode, inside a worker or child process: a module is imported again to find a proc's
 * function. Every `ProcManager` created there is inert — registration works (and is indexed here
 * by call site), while scheduling calls do nothing — so importing a task file starts nothing.
 */
import type { ProcBody } from '../graph/proc-node.ts';
import { resolveSite } from './site.ts';

type FnBody = Extract<ProcBody, { kind: 'fn' }>;
type Index = Map<string, Map<string, FnBody>>;

const KEY = Symbol.for('parproc.replay');
const g = globalThis as unknown as Record<symbol, Index | undefined>;

/** Turns replay mode on for this thread or process (worker and child entries do, first thing). */
export function enterReplay(): void {
  g[KEY] ??= new Map();
}

/** Whether managers made here are inert (this is a worker or child replaying a module). */
export function inReplay(): boolean {
  return g[KEY] !== undefined;
}

/** Records a function body registered while replaying, by its call site and registered name. */
export function recordReplayed(definedAs: string, body: ProcBody): void {
  const index = g[KEY];
  if (!index || body.kind !== 'fn' || body.site === null) return;
  const site = resolveSite(body.site);
  if (!site) return;
  let byName = index.get(site.key);
  if (!byName) index.set(site.key, (byName = new Map()));
  if (!byName.has(definedAs)) byName.set(definedAs, body);
}

/** The body registered at `site` under `definedAs`, if the replay registered it. */
export function replayedBody(site: string, definedAs: string): FnBody | undefined {
  return g[KEY]?.get(site)?.get(definedAs);
}
