/**
 * A module's top level that stops at a wait. Where a module is imported only for what it
 * registers — by a worker or child looking for a proc's function (replay.ts: `wait`,
 * `waitForAll`, `waitClear`, `watch`), by the CLI loading a task file (`waitForAll`, `waitClear`;
 * a `wait` for named procs there is an error) — a top-level wait cannot mean "run now": the run
 * is someone else's (the parent's, the CLI's). Such a call stops the module there (its promise
 * stays pending) and tells whoever imports it, who goes on with what was registered. What the
 * module does after its run — print results, write a report, `process.exit` with its code —
 * never happens there; it belongs to the run that really happens.
 */

interface Stops {
  /** How to let each stopped wait go on. */
  stopped: (() => void)[];
  /** Called at the next stop. */
  onStop: (() => void)[];
  /** Watchers: stops happen while there is one. */
  watchers: number;
}

const KEY = Symbol.for('parproc.top-level-stops');
const g = globalThis as unknown as Record<symbol, Stops | undefined>;
const stops = (): Stops => (g[KEY] ??= { stopped: [], onStop: [], watchers: 0 });

/** From now on (until the returned function is called), top-level waits stop their module. */
export function watchTopLevelStops(): () => void {
  const s = stops();
  s.watchers++;
  let done = false;
  return () => {
    if (done) return;
    done = true;
    s.watchers--;
  };
}

/** Whether a wait now stops its module (see the header). */
export function topLevelStopsWatched(): boolean {
  return (g[KEY]?.watchers ?? 0) > 0;
}

/**
 * A wait that stops the calling module's top level: the promise settles (with `value`) only if
 * the stopped modules are let go on (`goOn`). Call it only while stops are watched.
 */
export function stopHere<T>(value: T): Promise<T> {
  const s = stops();
  return new Promise<T>((resolve) => {
    s.stopped.push(() => resolve(value));
    for (const wake of s.onStop.splice(0)) wake();
  });
}

/** Whether a module's top level is stopped at a wait now (what it registers after it is not seen). */
export function stoppedAtTopLevel(): boolean {
  return (g[KEY]?.stopped.length ?? 0) > 0;
}

/** Resolves at the next stop of a module's top level. */
export function nextTopLevelStop(): Promise<void> {
  return new Promise((resolve) => stops().onStop.push(resolve));
}

/**
 * Lets every stopped wait go on (a proc is registered further down in one of the modules: which
 * one, a stack could not always tell — the wait may be in a helper of another file); `false`
 * when none is stopped.
 */
export function goOn(): boolean {
  const s = g[KEY];
  if (!s || s.stopped.length === 0) return false;
  for (const resume of s.stopped.splice(0)) resume();
  return true;
}
