import { describe, expect, test, setDefaultTimeout } from 'bun:test';
import { NO_FAILURES, ProcFailedError, ProcManager, UserError, whenScheduled, whenTargetScheduled } from '../../src/index.ts';
import { gate, rig, waitForEvent } from '../helpers/manager.ts';

// Procs spawn real processes: generous per-test limits for a loaded 2-core machine.
setDefaultTimeout(20_000);

describe('dependencies', () => {
  test('deps run first; a dep pattern is filled from the parent args; filled-out names create procs', async () => {
    using r = rig();
    r.pm.proto('build::[env]', (_c, a) => `built-${a.env}`);
    r.pm.proto('lint::[what]', (_c, a) => `lint-${a.what}`);
    r.pm.proto('deploy::[env]', { deps: ['build::[env]', 'lint::all'] }, (ctx) => ({ ...ctx.results }));
    r.pm.run('deploy::prod');
    await r.pm.waitForAll();
    const res = r.pm.results();
    expect(res['deploy::prod']).toEqual({ 'build::prod': 'built-prod', 'lint::all': 'lint-all' });
    expect(r.pm.getProcs().get('deploy::prod')?.deps).toEqual(['build::prod', 'lint::all']);
    expect(r.order('running').at(-1)).toBe('deploy::prod');
  });

  test('a dep function receives the DepContext and may return one or many names', async () => {
    using r = rig();
    r.pm.setParams({ shards: 3 });
    r.pm.proto('shard::[i]', (_c, a) => Number(a.i));
    r.pm.proto('sum::[env]', {
      deps: [(c) => Array.from({ length: c.params.shards as number }, (_, i) => `shard::${i}`), (c) => `shard::${String(c.args.env).length}`],
    }, (ctx) => Object.values(ctx.results).reduce((a: number, b) => a + (b as number), 0));
    r.pm.run('sum::abcd');
    await r.pm.waitForAll();
    expect(r.pm.getProcs().get('sum::abcd')?.deps).toEqual(['shard::0', 'shard::1', 'shard::2', 'shard::4']);
    expect(r.pm.results()['sum::abcd']).toBe(0 + 1 + 2 + 4);
  });

  test('a dep function returning a non-name is a UserError', () => {
    using r = rig();
    r.pm.proto('x::[a]', { deps: [() => 42 as never] }, () => 1);
    expect(() => r.pm.create('x::1')).toThrow(/proc "x::1": a dep function must return a proc name or an array of names, got 42/);
  });

  test('a placeholder dep the parent cannot fill is a UserError', () => {
    using r = rig();
    r.pm.proto('y::[a]', { deps: ['z::[b]'] }, () => 1);
    expect(() => r.pm.create('y::1')).toThrow(/requires argument "b"/);
  });

  test('registration order does not matter within one synchronous block', async () => {
    using r = rig();
    r.pm.proc('late-user', { now: true, deps: ['defined-later', 'proto-later::x'] }, (ctx) => Object.keys(ctx.results).sort());
    r.pm.proc('defined-later', () => 1);
    r.pm.proto('proto-later::[v]', () => 2);
    await r.pm.waitForAll();
    expect(r.pm.results()['late-user']).toEqual(['defined-later', 'proto-later::x']);
  });

  test('a missing dep ends the proc failed-dep (allowMissingDeps: true)', async () => {
    using r = rig();
    r.pm.proc('needs-ghost', { deps: ['ghost'] }, () => 1);
    r.pm.start('needs-ghost');
    expect(await r.pm.waitForAll({ throwOnFailure: false })).toBe(false);
    const info = r.pm.getProcs().get('needs-ghost')!;
    expect(info.state).toBe('failed-dep');
    expect(info.error).toBe('dep-failed');
    expect(info.moreInfo).toBe('dependency "ghost" missing');
  });

  test('allowMissingDeps: false makes an unknown dep a UserError from start', async () => {
    using r = rig({ allowMissingDeps: false });
    r.pm.proc('needs-ghost', { deps: ['ghost'] }, () => 1);
    expect(() => r.pm.start('needs-ghost')).toThrow(/dependency "ghost" does not exist/);
    expect(await r.pm.waitForAll({ throwOnFailure: false })).toBe(false);
  });

  test('NO_FAILURES: runs when nothing failed, else failed-dep', async () => {
    {
      using r = rig();
      r.pm.proc('ok', () => 1);
      r.pm.proc('report', { deps: ['ok', NO_FAILURES] }, () => 'reported');
      r.pm.start('report');
      await r.pm.waitForAll();
      expect(r.pm.results().report).toBe('reported');
      expect(r.pm.getProcs().get('report')?.deps).toEqual(['ok']);
    }
    {
      using r = rig();
      r.pm.proc('bad', () => {
        throw new ProcFailedError('nope');
      });
      r.pm.proc('ok', { deps: [] }, async () => {
        await Bun.sleep(1);
        return 1;
      });
      r.pm.proc('report', { deps: ['ok', NO_FAILURES] }, () => 'reported');
      r.pm.start('bad', 'report');
      await r.pm.waitForAll({ throwOnFailure: false });
      const info = r.pm.getProcs().get('report')!;
      expect(info.state).toBe('failed-dep');
      expect(info.moreInfo).toBe('run aborted: a task has failed');
    }
  });

  test('failure propagates downstream while independent branches finish', async () => {
    using r = rig();
    r.pm.proc('root-bad', () => {
      throw new Error('boom');
    });
    r.pm.proc('mid', { deps: ['root-bad'] }, () => 1);
    r.pm.proc('leaf', { deps: ['mid'] }, () => 1);
    r.pm.proc('indep-1', async () => {
      await Bun.sleep(20);
      return 'i1';
    });
    r.pm.proc('indep-2', { deps: ['indep-1'] }, () => 'i2');
    r.pm.start('leaf', 'indep-2');
    await expect(r.pm.waitForAll()).rejects.toMatchObject({ name: 'ProcessError', failed: ['root-bad', 'mid', 'leaf'] });
    const p = r.pm.getProcs();
    expect(p.get('root-bad')?.error).toBe('exception');
    expect(p.get('mid')?.state).toBe('failed-dep');
    expect(p.get('mid')?.moreInfo).toBe('canceled due to failure of "root-bad"');
    expect(p.get('leaf')?.moreInfo).toBe('canceled due to failure of "mid"');
    expect(p.get('indep-2')?.state).toBe('succeeded');
    expect(r.pm.results()).toEqual({ 'root-bad': null, 'indep-1': 'i1', 'indep-2': 'i2' });
  });

  test('a dependency cycle is a UserError naming the cycle, and nothing hangs', async () => {
    using r = rig();
    r.pm.proc('a', { deps: ['b'] }, () => 1);
    r.pm.proc('b', { deps: ['c'] }, () => 1);
    r.pm.proc('c', { deps: ['a'] }, () => 1);
    r.pm.proc('free', () => 1);
    let err: unknown;
    try {
      r.pm.start('a', 'free');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toBe('Dependency cycle: a -> b -> c -> a');
    expect(await r.pm.waitForAll({ throwOnFailure: false })).toBe(false);
    expect(r.pm.getProcs().get('free')?.state).toBe('succeeded');
    expect(r.pm.getProcs().get('b')?.state).toBe('failed-dep');
    // Every proc of the cycle says so, not that another one of it failed.
    for (const name of ['a', 'b', 'c']) expect(r.pm.getProcs().get(name)?.moreInfo).toBe('dependency cycle: a -> b -> c -> a');
  });

  test('a cycle among now: true procs rejects the next waitForAll', async () => {
    using r = rig();
    r.pm.proc('x', { now: true, deps: ['y'] }, () => 1);
    r.pm.proc('y', { now: true, deps: ['x'] }, () => 1);
    await expect(r.pm.waitForAll()).rejects.toThrow(/Dependency cycle: (x -> y -> x|y -> x -> y)/);
  });

  test('starting twice runs once; wait on an idle proc starts it', async () => {
    using r = rig();
    let runs = 0;
    r.pm.proc('once', () => ++runs);
    r.pm.start('once');
    r.pm.start('once');
    await r.pm.wait('once');
    r.pm.proc('lazy', () => 'lazy');
    await r.pm.wait('lazy');
    expect(runs).toBe(1);
    expect(r.pm.results().lazy).toBe('lazy');
  });

  test('wait throws ProcessError naming failed procs; unknown names are UserErrors with hints', async () => {
    using r = rig();
    r.pm.proc('fails', () => {
      throw new Error('x');
    });
    r.pm.proc('build::prod', () => 1);
    await expect(r.pm.wait('fails')).rejects.toMatchObject({ failed: ['fails'] });
    expect(() => r.pm.start('build::prd')).toThrow('start: unknown proc "build::prd" (did you mean build::prod?)');
  });
});

describe('waves, locks, parallel', () => {
  test("waves: the original's test — A←B←C with C in wave 2 and D in wave 1 runs A, B, D, C", async () => {
    using r = rig();
    r.pm.proc('A', () => 'a');
    r.pm.proc('B', { deps: ['A'] }, () => 'b');
    r.pm.proc('C', { deps: ['B'], wave: 2 }, () => 'c');
    r.pm.proc('D', { wave: 1 }, () => 'd');
    r.pm.start('C', 'D');
    await r.pm.waitForAll();
    expect(r.order('running')).toEqual(['A', 'B', 'D', 'C']);
  });

  test('a dep in a higher wave is a UserError', async () => {
    using r = rig();
    r.pm.proc('hi', { wave: 3 }, () => 1);
    r.pm.proc('lo', { wave: 1, deps: ['hi'] }, () => 1);
    expect(() => r.pm.start('lo')).toThrow(/proc "lo" \(wave 1\) cannot depend on proc "hi" \(wave 3\)\. Dependencies must have equal or lower wave number to avoid deadlock/);
    await r.pm.waitForAll({ throwOnFailure: false });
  });

  test('procs sharing a lock never overlap; others do', async () => {
    using r = rig();
    const spans: Record<string, [number, number]> = {};
    const body = async (ctx: { procName: string }) => {
      const s = performance.now();
      await Bun.sleep(15);
      spans[ctx.procName] = [s, performance.now()];
    };
    r.pm.proto('deploy::[env]', { locks: ['deploy-lock'] }, body);
    r.pm.proc('other', body);
    r.pm.start(r.pm.create('deploy::dev'), r.pm.create('deploy::prod'), 'other');
    await r.pm.waitForAll();
    const [a, b] = [spans['deploy::dev']!, spans['deploy::prod']!];
    expect(a[1] <= b[0] || b[1] <= a[0]).toBe(true);
    const o = spans.other!;
    expect(o[0] < Math.max(a[1], b[1])).toBe(true);
  });

  test('parallel limits running procs (order from recorded events)', async () => {
    using r = rig({ parallel: 3 });
    let running = 0;
    let peak = 0;
    for (let i = 0; i < 12; i++) {
      r.pm.proc(`p${i}`, async () => {
        peak = Math.max(peak, ++running);
        await Bun.sleep(2);
        running--;
      });
    }
    r.pm.start(Array.from({ length: 12 }, (_, i) => `p${i}`));
    await r.pm.waitForAll();
    expect(peak).toBe(3);
    let live = 0;
    let maxLive = 0;
    for (const e of r.events) {
      if (e.type !== 'proc-state') continue;
      if (e.state === 'running') maxLive = Math.max(maxLive, ++live);
      if (e.state === 'succeeded') live--;
    }
    expect(maxLive).toBe(3);
  });

  test('deterministic parallelism: both deps start before either is released; main waits', async () => {
    using r = rig();
    const g1 = gate();
    const g2 = gate();
    r.pm.proc('dep1', () => g1.promise);
    r.pm.proc('dep2', () => g2.promise);
    let mainRuns = 0;
    r.pm.proc('main', { deps: ['dep1', 'dep2'] }, () => ++mainRuns);
    r.pm.start('main');
    await waitForEvent(r.pm, r.events, (e) => e.type === 'proc-state' && e.name === 'dep2' && e.state === 'running');
    expect(r.order('running')).toEqual(['dep1', 'dep2']);
    g1.open();
    await waitForEvent(r.pm, r.events, (e) => e.type === 'proc-state' && e.name === 'dep1' && e.state === 'succeeded');
    expect(mainRuns).toBe(0);
    g2.open();
    await r.pm.waitForAll();
    expect(mainRuns).toBe(1);
  });
});

describe('reverse dependencies', () => {
  test('plain rdep: the declarer is injected before a matching target', async () => {
    using r = rig();
    r.pm.proc('setup', { rdeps: ['deploy::[env]'] }, () => 'initialized');
    r.pm.proto('deploy::[env]', (ctx) => ctx.results.setup);
    r.pm.run('deploy::prod');
    await r.pm.waitForAll();
    expect(r.pm.results()['deploy::prod']).toBe('initialized');
    expect(r.order('running')).toEqual(['setup', 'deploy::prod']);
    expect(r.pm.getProcs().get('deploy::prod')?.deps).toEqual(['setup']);
  });

  test('plain rdep on a proto fills its params from the target', async () => {
    using r = rig();
    r.pm.proto('prep::[env]', { rdeps: ['ship::[env]::[region]'] }, (_c, a) => `prep-${a.env}`);
    r.pm.proto('ship::[env]::[region]', (ctx) => ctx.results['prep::prod']);
    r.pm.run('ship::prod::eu');
    await r.pm.waitForAll();
    expect(r.pm.results()['ship::prod::eu']).toBe('prep-prod');
  });

  test('whenScheduled: only when the declarer is scheduled, and it schedules the target', async () => {
    {
      using r = rig();
      r.pm.proto('migrate::[env]', { rdeps: [whenScheduled('deploy::[env]')] }, (_c, a) => `migrated_${a.env}`);
      r.pm.proto('deploy::[env]', (ctx) => ctx.results['migrate::prod'] ?? 'alone');
      r.pm.run('deploy::prod');
      await r.pm.waitForAll();
      expect(r.pm.results()).toEqual({ 'deploy::prod': 'alone' });
    }
    {
      using r = rig();
      r.pm.proto('migrate::[env]', { rdeps: [whenScheduled('deploy::[env]')] }, (_c, a) => `migrated_${a.env}`);
      r.pm.proto('deploy::[env]', (ctx) => ctx.results['migrate::prod'] ?? 'alone');
      r.pm.run('migrate::prod');
      await r.pm.waitForAll();
      expect(r.pm.results()['deploy::prod']).toBe('migrated_prod');
      expect(r.order('running')).toEqual(['migrate::prod', 'deploy::prod']);
    }
  });

  test('whenScheduled after the target finished breaks the ordering contract', async () => {
    using r = rig();
    r.pm.proc('late', { rdeps: [whenScheduled('target')] }, () => 1);
    r.pm.proc('target', () => 1);
    r.pm.start('target');
    await r.pm.waitForAll();
    expect(() => r.pm.start('late')).toThrow(/ordering contract/);
    await r.pm.waitForAll({ throwOnFailure: false });
  });

  test('rdep patterns take * and ? within a segment, as targets do', async () => {
    using r = rig();
    r.pm.proto('test::[pkg]', { argChoices: { pkg: ['web', 'api'] } }, () => 't');
    r.pm.proto('build::[pkg]', { argChoices: { pkg: ['web', 'api'] } }, () => 'b');
    r.pm.proc('test::web::slow', () => 'nested');
    r.pm.proc('setup', { rdeps: [whenTargetScheduled('test::*')] }, () => 's');
    r.pm.proc('gen', { rdeps: ['build::w?b'] }, () => 'g');
    r.pm.start('test::web', 'test::web::slow', 'build::web', 'build::api');
    await r.pm.waitForAll();
    const deps = (n: string) => r.pm.getProcs().get(n)?.deps;
    expect(deps('test::web')).toEqual(['setup']);
    // `*` stays within a segment: test::web::slow is not test::<one segment>.
    expect(deps('test::web::slow')).toEqual([]);
    expect(deps('build::web')).toEqual(['gen']);
    expect(deps('build::api')).toEqual([]);
    expect(r.order('running').indexOf('setup')).toBeLessThan(r.order('running').indexOf('test::web'));
  });

  test('whenTargetScheduled: scheduling the target pulls the declarer in; the declarer alone leaves the target', async () => {
    {
      using r = rig();
      r.pm.proto('warm::[env]', { rdeps: [whenTargetScheduled('serve::[env]')] }, (_c, a) => `warm-${a.env}`);
      r.pm.proto('serve::[env]', (ctx) => ctx.results['warm::dev']);
      r.pm.run('serve::dev');
      await r.pm.waitForAll();
      expect(r.pm.results()['serve::dev']).toBe('warm-dev');
    }
    {
      using r = rig();
      r.pm.proc('warm', { rdeps: [whenTargetScheduled('serve')] }, () => 'w');
      r.pm.proc('serve', () => 's');
      r.pm.start('warm');
      await r.pm.waitForAll();
      expect(r.pm.results()).toEqual({ warm: 'w' });
    }
  });
});

describe('rdeps registered while their target is already wanted', () => {
  test('a plain rdep and a whenTargetScheduled rdep are injected into a wanted target', async () => {
    using r = rig();
    const g = gate();
    r.pm.proc('blocker', () => g.promise);
    r.pm.proc('target', { deps: ['blocker'] }, (ctx) => Object.keys(ctx.results).sort());
    r.pm.start('target');
    r.pm.proc('late-plain', { rdeps: ['target'] }, () => 'p');
    r.pm.proc('late-strict', { rdeps: [whenTargetScheduled('target')] }, () => 's');
    g.open();
    await r.pm.waitForAll();
    expect(r.pm.results().target).toEqual(['blocker', 'late-plain', 'late-strict']);
    expect(r.pm.getProcs().get('target')?.deps).toEqual(['blocker', 'late-plain', 'late-strict']);
  });

  test('a whenTargetScheduled rdep whose target already runs breaks the ordering contract', async () => {
    using r = rig();
    const g = gate();
    r.pm.proc('target', () => g.promise);
    r.pm.start('target');
    await waitForEvent(r.pm, r.events, (e) => e.type === 'proc-state' && e.name === 'target' && e.state === 'running');
    expect(() => r.pm.proc('too-late', { rdeps: [whenTargetScheduled('target')] }, () => 1)).toThrow(/ordering contract/);
    g.open();
    await r.pm.waitForAll();
  });
});

test('a proc that fails to register leaves no rdep rule behind', async () => {
  using r = rig();
  r.pm.proc('dup', () => 1);
  expect(() => r.pm.proc('dup', { rdeps: ['target'] }, () => 2)).toThrow(/already created/);
  expect(() => r.pm.proc('badrule', { rdeps: ['t::[a]-[b]'] }, () => 2)).toThrow(/separator/);
  expect(r.pm.getProcs().has('badrule')).toBe(false);
  r.pm.proc('target', () => 't');
  r.pm.start('target');
  await r.pm.waitForAll();
  expect(r.pm.getProcs().get('target')?.deps).toEqual([]);
});

describe('the critical path', () => {
  test('procs ending in the same millisecond still make one chain, each after the dep it waited for', async () => {
    // Trivial procs end within a millisecond of each other: ties in endedAt are the usual case.
    for (let round = 0; round < 5; round++) {
      const pm = new ProcManager({ display: false });
      const ends: { name: string }[][] = [];
      pm.onEvent((e) => e.type === 'run-end' && ends.push(e.criticalPath));
      pm.proc('a', () => 1);
      pm.proc('side', () => 1);
      pm.proc('b', { deps: ['a'] }, () => 1);
      pm.proc('c', { deps: ['b', 'side'] }, () => 1);
      pm.start('c');
      await pm.waitForAll();
      expect(ends.map((p) => p.map((x) => x.name).join(' → '))).toEqual([expect.stringMatching(/^(a → b|side) → c$/)]);
      expect(ends[0]?.at(-1)?.name).toBe('c');
    }
  });
});
