/**
 * parproc for Bun: the public API. Re-exports, plus the module-level functions, which are the
 * default manager's methods. The default manager lives on `globalThis` under a `Symbol.for` key,
 * so two loaded copies of the library (a local install beside the binary) share it.
 */
import { ProcManager } from './manager.ts';
import type { OptionsInput } from './options.ts';

export { ProcManager } from './manager.ts';
export * from './public-values.ts';
export type { Options, OptionsInput } from './options.ts';
export type { RunEvent, WarningEvent, ProcStateEvent, ProcOutputEvent, RunStartEvent, RunEndEvent, WatchReadyEvent, WatchRebuildEvent } from './events.ts';
export type * from './types.ts';

const KEY = Symbol.for('parproc.default-manager');
const g = globalThis as unknown as Record<symbol, ProcManager | undefined>;

/** The process-wide default manager (created on first use). */
export function defaultManager(): ProcManager {
  return (g[KEY] ??= new ProcManager());
}

/** Replaces the default manager (the CLI installs one configured from its flags). */
export function setDefaultManager(manager: ProcManager | OptionsInput): ProcManager {
  const m = manager instanceof ProcManager ? manager : new ProcManager(manager);
  g[KEY] = m;
  return m;
}

type M = ProcManager;
export const proc: M['proc'] = ((...a: unknown[]) => (defaultManager().proc as (...x: unknown[]) => string)(...a)) as M['proc'];
export const proto: M['proto'] = ((...a: unknown[]) => (defaultManager().proto as (...x: unknown[]) => string)(...a)) as M['proto'];
export const create: M['create'] = (...a) => defaultManager().create(...a);
export const start: M['start'] = (...a) => defaultManager().start(...a);
export const run: M['run'] = (...a) => defaultManager().run(...a);
export const wait: M['wait'] = (...a) => defaultManager().wait(...a);
export const waitForAll: M['waitForAll'] = (...a) => defaultManager().waitForAll(...a);
export const waitClear: M['waitClear'] = (...a) => defaultManager().waitClear(...a);
export const clear: M['clear'] = () => defaultManager().clear();
export const results: M['results'] = () => defaultManager().results();
export const setOptions: M['setOptions'] = (...a) => defaultManager().setOptions(...a);
export const setParams: M['setParams'] = (...a) => defaultManager().setParams(...a);
export const getProcs: M['getProcs'] = () => defaultManager().getProcs();
export const getProtos: M['getProtos'] = () => defaultManager().getProtos();
export const watch: M['watch'] = (...a) => defaultManager().watch(...a);
export const onEvent: M['onEvent'] = (...a) => defaultManager().onEvent(...a);
