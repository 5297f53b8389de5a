/** Test helpers: a quiet manager with its own temp log dir, and an event recorder. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProcManager, type OptionsInput, type RunEvent } from '../../src/index.ts';

export interface Rig {
  pm: ProcManager;
  dir: string;
  events: RunEvent[];
  /** Names in the order they reached `state`. */
  order(state: string): string[];
  [Symbol.dispose](): void;
}

export function rig(opts: OptionsInput = {}): Rig {
  const dir = mkdtempSync(join(tmpdir(), 'parproc-test-'));
  const pm = new ProcManager({ display: false, logDir: join(dir, 'logs'), ...opts });
  const events: RunEvent[] = [];
  pm.onEvent((e) => events.push(e));
  return {
    pm,
    dir,
    events,
    order: (state) => events.filter((e) => e.type === 'proc-state' && e.state === state).map((e) => (e as { name: string }).name),
    [Symbol.dispose]() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A promise with its resolvers, for procs that wait for the test to release them. */
export function gate(): { promise: Promise<void>; open: () => void } {
  const d = Promise.withResolvers<void>();
  return { promise: d.promise, open: () => d.resolve() };
}

/** Resolves once `pred` holds for an event already seen or a later one. */
export function waitForEvent(pm: ProcManager, seen: RunEvent[], pred: (e: RunEvent) => boolean): Promise<RunEvent> {
  const hit = seen.find(pred);
  if (hit) return Promise.resolve(hit);
  return new Promise((resolve) => {
    const off = pm.onEvent((e) => {
      if (pred(e)) {
        off();
        resolve(e);
      }
    });
  });
}

/** Whether a process with this pid is alive (zombies count as dead). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const stat = Bun.spawnSync(['ps', '-o', 'stat=', '-p', String(pid)]).stdout.toString().trim();
  return stat !== '' && !stat.startsWith('Z');
}
