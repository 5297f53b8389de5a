/**
 * Scheduling from history (issue 14): critical path first, recent failures first, FIFO without
 * history. Orders are asserted, never wall times.
 */
import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { ProcFailedError, type ProcManager } from '../../src/index.ts';
import { kth } from '../../src/scheduler/priority.ts';
import { projectPerTest } from '../helpers/project.ts';

setDefaultTimeout(30_000);

const p = projectPerTest();

/** Short procs registered (and so ready) before a chain of long ones. */
function skewed(pm: ProcManager, trail: string[]): string[] {
  const names: string[] = [];
  for (let i = 0; i < 6; i++) names.push(pm.proc(`short${i}`, async () => void trail.push(`short${i}`)));
  pm.proc('c1', async () => {
    trail.push('c1');
    await Bun.sleep(60);
  });
  pm.proc('c2', { deps: ['c1'] }, async () => {
    trail.push('c2');
    await Bun.sleep(60);
  });
  names.push(pm.proc('c3', { deps: ['c2'] }, async () => void trail.push('c3')));
  return names;
}

describe('scheduling from history', () => {
  test('the median of the known durations (for procs without history) is found without sorting: the same element as a sort gives', () => {
    let seed = 7;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n);
    for (let round = 0; round < 300; round++) {
      const n = 1 + rnd(60);
      const xs = Array.from({ length: n }, () => (round % 3 === 0 ? rnd(5) : rnd(1000) / 7));
      const sorted = [...xs].sort((a, b) => a - b);
      for (const k of [0, Math.floor(n / 2), n - 1, rnd(n)]) expect(kth([...xs], k)).toBe(sorted[k] as number);
    }
  });

  test('without history the order is FIFO; with it, the chain of the critical path starts first', async () => {
    const first: string[] = [];
    {
      const { pm } = p.manager({ parallel: 1 });
      pm.start(skewed(pm, first));
      await pm.waitForAll();
      pm.close();
    }
    expect(first.slice(0, 2)).toEqual(['short0', 'short1']); // FIFO: registered first, ready first
    const second: string[] = [];
    {
      const { pm } = p.manager({ parallel: 1 });
      const names = skewed(pm, second);
      pm.run('c3', { full: true });
      pm.start(names);
      await pm.waitForAll();
      pm.close();
    }
    expect(second[0]).toBe('c1'); // the longest expected remaining path
  });

  test('a proc whose last run failed starts before equally ready procs (failedFirst), unless turned off', async () => {
    const make = (pm: ProcManager, trail: string[], fail: boolean) => {
      for (let i = 0; i < 4; i++) pm.proc(`ok${i}`, () => void trail.push(`ok${i}`));
      pm.proc('flaky', () => {
        trail.push('flaky');
        if (fail) throw new ProcFailedError('flaked');
      });
      pm.start(['ok0', 'ok1', 'ok2', 'ok3', 'flaky']);
    };
    {
      const { pm } = p.manager({ parallel: 1 });
      make(pm, [], true);
      await pm.waitForAll({ throwOnFailure: false });
      pm.close();
    }
    const trail: string[] = [];
    {
      const { pm } = p.manager({ parallel: 1 });
      make(pm, trail, false);
      await pm.waitForAll();
      pm.close();
    }
    expect(trail[0]).toBe('flaky');
    const off: string[] = [];
    {
      const { pm } = p.manager({ parallel: 1, failedFirst: false });
      make(pm, off, false);
      await pm.waitForAll();
      pm.close();
    }
    expect(off).toEqual(['ok0', 'ok1', 'ok2', 'ok3', 'flaky']);
  });

  test('a run where everything is up to date never reads the history; the first proc that must run starts ranking', async () => {
    const define = (pm: ProcManager, trail: string[]) => {
      for (let i = 0; i < 4; i++) pm.proc(`short${i}`, { inputs: [`in/s${i}.txt`] }, async () => void trail.push(`short${i}`));
      pm.proc('long', { inputs: ['in/long.txt'] }, async () => {
        trail.push('long');
        await Bun.sleep(80);
      });
      return ['short0', 'short1', 'short2', 'short3', 'long'];
    };
    for (const f of ['s0', 's1', 's2', 's3', 'long']) p.write(`in/${f}.txt`, f);
    const counted = (pm: ProcManager) => {
      const store = pm.taskStore();
      if (!store) throw new Error('no task DB');
      let reads = 0;
      const read = store.scheduleHints.bind(store);
      store.scheduleHints = () => {
        reads++;
        return read();
      };
      return () => reads;
    };
    {
      const { pm } = p.manager({ parallel: 1 });
      pm.start(define(pm, []));
      await pm.waitForAll();
      pm.close();
    }
    {
      const { pm } = p.manager({ parallel: 1 });
      const reads = counted(pm);
      pm.start(define(pm, []));
      await pm.waitForAll();
      expect([...pm.getProcs().values()].every((x) => x.state === 'up-to-date')).toBe(true);
      expect(reads()).toBe(0);
      pm.close();
    }
    // Every input changed: all must run, and the long one (from history) still goes first.
    for (const f of ['s0', 's1', 's2', 's3', 'long']) p.write(`in/${f}.txt`, `${f} changed`);
    const trail: string[] = [];
    {
      const { pm } = p.manager({ parallel: 1 });
      const reads = counted(pm);
      pm.start(define(pm, trail));
      await pm.waitForAll();
      expect(reads()).toBe(1);
      pm.close();
    }
    expect(trail).toEqual(['long', 'short0', 'short1', 'short2', 'short3']);
  });
});
