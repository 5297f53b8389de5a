/**
 * Defects found in review (issue 8): slots counted twice, waits that could never end, a permanent
 * interrupt, module-level waits inside procs, and lock holders that overlapped after a timeout.
 */
import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { UserError } from '../../src/index.ts';
import { gate, rig, waitForEvent } from '../helpers/manager.ts';
import { runScript } from '../helpers/script.ts';

setDefaultTimeout(20_000);

/** Counts procs whose code is running at once. */
function peakCounter() {
  let running = 0;
  let peak = 0;
  return {
    enter() {
      peak = Math.max(peak, ++running);
    },
    leave() {
      running--;
    },
    get peak() {
      return peak;
    },
  };
}

describe('parallel slots and ctx.wait', () => {
  test('a proc that times out while waiting gives its slot back once', async () => {
    using r = rig({ parallel: 1 });
    const c = peakCounter();
    const hold = gate();
    r.pm.proc('slow', async () => {
      c.enter();
      await hold.promise;
      c.leave();
    });
    r.pm.proc('waiter', { timeout: 0.05 }, async (ctx) => {
      await ctx.wait('slow');
    });
    for (let i = 0; i < 3; i++) {
      r.pm.proc(`after${i}`, async () => {
        c.enter();
        await Bun.sleep(5);
        c.leave();
      });
    }
    r.pm.start('waiter');
    await waitForEvent(r.pm, r.events, (e) => e.type === 'proc-state' && e.name === 'waiter' && e.state === 'failed');
    r.pm.start('after0', 'after1', 'after2');
    // With the slot given back twice, "after0" would start (and end) beside "slow".
    setTimeout(() => hold.open(), 20);
    await r.pm.waitForAll({ throwOnFailure: false });
    expect(c.peak).toBe(1);
    expect(r.pm.getProcs().get('waiter')?.error).toBe('timeout');
    expect(r.order('succeeded')).toEqual(['slow', 'after0', 'after1', 'after2']);
  });

  test('concurrent ctx.waits of one proc lend its single slot once', async () => {
    using r = rig({ parallel: 1 });
    const c = peakCounter();
    const body = async () => {
      c.enter();
      await Bun.sleep(10);
      c.leave();
    };
    r.pm.proc('a', body);
    r.pm.proc('b', body);
    r.pm.proc('o1', body);
    r.pm.proc('o2', body);
    r.pm.proc('main', async (ctx) => {
      await Promise.all([ctx.wait('a'), ctx.wait('b')]);
      // Back on its one slot: nothing else may run now.
      c.enter();
      await Bun.sleep(20);
      c.leave();
      return 'ok';
    });
    r.pm.start('main', 'o1', 'o2');
    await r.pm.waitForAll();
    expect(r.pm.results().main).toBe('ok');
    expect(c.peak).toBe(1);
  });

  test('a ctx.wait on a proc of a higher wave is a UserError, not a hang', async () => {
    using r = rig();
    r.pm.proc('late', { wave: 1 }, () => 1);
    r.pm.proc('early', async (ctx) => {
      try {
        await ctx.wait('late');
        return 'waited';
      } catch (err) {
        return err instanceof UserError ? err.message : 'other';
      }
    });
    r.pm.start('early');
    await r.pm.waitForAll();
    expect(r.pm.results().early).toMatch(/proc "early" \(wave 0\) cannot wait for proc "late" \(wave 1\)/);
  });

  test('a lock/wait cycle through a third proc is a UserError, whichever wait closes it', async () => {
    // W holds lock L and waits for X; X waits for Y; Y needs L. Either wait may come last.
    for (const last of ['w', 'x'] as const) {
      using r = rig();
      const firstWaitMade = gate();
      const xStarted = gate();
      const errors: string[] = [];
      const waitCatching = async (p: Promise<void>) => {
        try {
          await p;
        } catch (err) {
          if (!(err instanceof UserError)) throw err;
          errors.push(err.message);
        }
      };
      r.pm.proc('y', { locks: ['L'] }, () => 'y');
      r.pm.proc('x', async (ctx) => {
        xStarted.open();
        if (last === 'x') await firstWaitMade.promise;
        const p = waitCatching(ctx.wait('y'));
        if (last === 'w') firstWaitMade.open();
        await p;
      });
      r.pm.proc('w', { locks: ['L'] }, async (ctx) => {
        await xStarted.promise;
        if (last === 'w') await firstWaitMade.promise;
        const p = waitCatching(ctx.wait('x'));
        if (last === 'x') firstWaitMade.open();
        await p;
      });
      r.pm.start('w', 'x');
      await r.pm.waitForAll({ throwOnFailure: false });
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(/a wait cycle/);
    }
  });
});

describe('per-run abort scope', () => {
  test('after interrupt(), procs started later run', async () => {
    using r = rig();
    const hold = gate();
    r.pm.proc('first', async (ctx) => {
      await Promise.race([hold.promise, new Promise((res) => ctx.signal.addEventListener('abort', res))]);
    });
    r.pm.start('first');
    await waitForEvent(r.pm, r.events, (e) => e.type === 'proc-state' && e.state === 'running');
    r.pm.interrupt();
    expect(await r.pm.waitForAll({ throwOnFailure: false })).toBe(false);
    expect(r.pm.getProcs().get('first')?.error).toBe('interrupted');
    r.pm.proc('second', (ctx) => (ctx.signal.aborted ? 'aborted' : 'fresh'));
    r.pm.start('second');
    await r.pm.waitForAll({ throwOnFailure: false });
    expect(r.pm.getProcs().get('second')?.state).toBe('succeeded');
    expect(r.pm.results().second).toBe('fresh');
  });

  test('procs wanted while an interrupted run winds down end interrupted, not stuck', async () => {
    using r = rig();
    r.pm.proc('dep', () => 1);
    r.pm.proc('cleanup', { deps: ['dep'] }, () => 2);
    r.pm.proc('first', async (ctx) => {
      await new Promise((res) => ctx.signal.addEventListener('abort', res));
      await Bun.sleep(5); // still running while the run is aborted
    });
    r.pm.start('first');
    await waitForEvent(r.pm, r.events, (e) => e.type === 'proc-state' && e.state === 'running');
    r.pm.interrupt();
    r.pm.start('cleanup');
    expect(await r.pm.waitForAll({ throwOnFailure: false })).toBe(false);
    expect(r.pm.getProcs().get('dep')?.error).toBe('interrupted');
    expect(r.pm.getProcs().get('cleanup')?.state).toBe('failed-dep');
  });
});

describe('module-level waits inside a proc', () => {
  test('wait() from inside a proc acts as ctx.wait: parallel 1 does not deadlock', async () => {
    using r = rig({ parallel: 1 });
    r.pm.proc('inner', () => 21);
    r.pm.proc('outer', async () => {
      await r.pm.wait('inner');
      return (r.pm.results().inner as number) * 2;
    });
    r.pm.start('outer');
    await r.pm.waitForAll();
    expect(r.pm.results().outer).toBe(42);
  });

  test('waitForAll() from inside a proc is a UserError naming ctx.wait', async () => {
    using r = rig({ parallel: 1 });
    r.pm.proc('outer', async () => {
      try {
        await r.pm.waitForAll();
        return 'returned';
      } catch (err) {
        return (err as Error).message;
      }
    });
    r.pm.start('outer');
    await r.pm.waitForAll();
    expect(r.pm.results().outer).toMatch(/waitForAll\(\) inside proc "outer".*ctx\.wait/);
  });
});

describe('timed-out procs and locks', () => {
  test('the next holder of a lock starts only after a timed-out proc\'s code settles', async () => {
    using r = rig();
    const trail: string[] = [];
    r.pm.proc('stubborn', { locks: ['db'], timeout: 0.03 }, async () => {
      trail.push('stubborn:start');
      await Bun.sleep(150); // ignores its signal
      trail.push('stubborn:end');
    });
    r.pm.proc('next', { locks: ['db'], deps: [] }, () => {
      trail.push('next:start');
    });
    r.pm.start('stubborn');
    await waitForEvent(r.pm, r.events, (e) => e.type === 'proc-state' && e.name === 'stubborn' && e.state === 'failed');
    r.pm.start('next');
    await r.pm.waitForAll({ throwOnFailure: false });
    expect(r.pm.getProcs().get('stubborn')?.error).toBe('timeout');
    expect(trail).toEqual(['stubborn:start', 'stubborn:end', 'next:start']);
  });
});

describe('errors no proc caught (inline)', () => {
  // A real script under `bun`: the test runner takes uncaught errors for itself.
  test('a throw from a timer a proc set fails that proc, stack in its log; the others finish and the process lives on', async () => {
    const r = await runScript(`import { proc, start, waitForAll, getProcs, onEvent } from LIB;
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
const listeners = () => [process.listenerCount('uncaughtException'), process.listenerCount('unhandledRejection')];
const before = listeners();
let timerFailed = () => {};
const failed = new Promise((r) => (timerFailed = r));
onEvent((e) => e.type === 'proc-state' && e.name === 'timer' && e.state === 'failed' && timerFailed());
proc('timer', async () => {
  setTimeout(() => { throw new Error('thrown in a timer'); }, 0);
  await new Promise(() => {}); // never settles: the stray error ends it
});
proc('other', async () => { await failed; return 'finished'; });
start('timer', 'other');
const ok = await waitForAll({ throwOnFailure: false });
await new Promise((r) => setImmediate(() => setImmediate(r)));
const t = getProcs().get('timer');
writeFileSync(join(DIR, 'report.txt'), JSON.stringify({ ok, timer: [t.state, t.error, t.moreInfo], log: readFileSync(t.logFile, 'utf8'), other: getProcs().get('other').output, listenersBack: JSON.stringify(listeners()) === JSON.stringify(before) }));
`);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.report);
    expect(report).toMatchObject({ ok: false, timer: ['failed', 'exception', 'thrown in a timer'], other: 'finished', listenersBack: true });
    expect(report.log).toMatch(/^Error: thrown in a timer\n\s+at .*script\.ts:\d+/);
  });

  test('a timer a proc left throws after it ended: a warning naming the proc; an error not a proc\'s goes where it would without parproc', async () => {
    const r = await runScript(`import { proc, start, waitForAll, onEvent } from LIB;
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
const warnings = [];
let warned = () => {};
const heard = new Promise((r) => (warned = r));
onEvent((e) => e.type === 'warning' && (warnings.push(e.message), warned()));
proc('early', () => { setTimeout(() => { throw new Error('after early ended'); }, 0); return 0; });
proc('runs', async () => { await heard; return 1; });
start('early', 'runs');
await waitForAll();
writeFileSync(join(DIR, 'report.txt'), JSON.stringify(warnings));
let release = () => {};
proc('holds', () => new Promise((r) => (release = r)));
start('holds');
setTimeout(() => { release(); throw new Error('thrown by the script itself'); }, 0);
await waitForAll();
`);
    const warnings = JSON.parse(r.report);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^proc "early" threw after it ended: Error: after early ended \(at \/.*script\.ts:\d+:\d+\)$/);
    // The script's own error, thrown while a proc ran: Bun reports it where it was thrown, exit 1.
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error: thrown by the script itself');
    expect(r.stderr).toMatch(/at .*script\.ts:\d+:\d+/);
    expect(r.stderr).not.toContain('stray-errors');
  });

  test("process.exit in a proc's code fails that proc (in its body or a timer it set); the others finish, and the script's own exit still exits", async () => {
    const r = await runScript(`import { proc, start, waitForAll, getProcs } from LIB;
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
proc('body', async () => { await Bun.sleep(1); process.exit(3); });
proc('timer', async () => { setTimeout(() => process.exit(4), 0); await new Promise(() => {}); });
proc('other', async () => { await Bun.sleep(30); return 'finished'; });
start('body', 'timer', 'other');
const ok = await waitForAll({ throwOnFailure: false });
const info = (n) => [getProcs().get(n).state, getProcs().get(n).error, getProcs().get(n).moreInfo];
writeFileSync(join(DIR, 'report.txt'), JSON.stringify({ ok, body: info('body'), timer: info('timer'), other: getProcs().get('other').output }));
process.exit(5);
`);
    expect(r.code, r.stderr).toBe(5);
    const why = (code: number) => `the proc called process.exit with code ${code}: a proc ends by returning or throwing; the process is the run's`;
    expect(JSON.parse(r.report)).toEqual({ ok: false, body: ['failed', 'exception', why(3)], timer: ['failed', 'exception', why(4)], other: 'finished' });
  });
});

describe('a proc whose promise can never settle (inline)', () => {
  test('when the event loop runs empty it fails, naming why; its dependents are canceled and the script goes on', async () => {
    // Before, the process just ended with exit code 0: no summary, `.then` never called.
    const r = await runScript(`import { proc, start, waitForAll, getProcs } from LIB;
import { writeFileSync } from 'node:fs';
proc('ok', () => 1);
proc('stuck', { deps: ['ok'] }, async () => { await new Promise(() => {}); });
proc('after', { deps: ['stuck'] }, () => 2);
proc('sleeper', async () => { await Bun.sleep(50); return 'slept'; });
// A timer made with .unref() keeps no loop alive, yet it is due: not stuck (before, it failed as never settled).
proc('unref-timer', async () => { await new Promise((r) => setTimeout(r, 200).unref()); return 'woke'; });
start('after', 'sleeper', 'unref-timer');
waitForAll({ throwOnFailure: false }).then((ok) => {
  const p = (n) => getProcs().get(n);
  writeFileSync('report.txt', JSON.stringify({ ok, stuck: [p('stuck').state, p('stuck').error, p('stuck').moreInfo], after: p('after').state, sleeper: p('sleeper').state, unref: p('unref-timer').output }));
  process.exitCode = 4;
});
`);
    expect(r.code, r.stderr).toBe(4);
    expect(JSON.parse(r.report)).toEqual({
      ok: false,
      stuck: ['failed', 'exception', 'never settled: it waits on a promise that nothing left (no timer, I/O or process) can settle'],
      after: 'failed-dep',
      sleeper: 'succeeded',
      unref: 'woke',
    });
  });
});
