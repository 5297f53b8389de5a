/**
 * Behaviour that differed from SPEC.md and the original parproc (issue 12), each with a test that
 * failed before the fix: reverse-dependency rules, argTypes on create(pattern, args), and function
 * procs made stale by edits to their module.
 */
import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { join } from 'node:path';
import { UserError, whenScheduled, whenTargetScheduled } from '../../src/index.ts';
import { gate, rig, waitForEvent } from '../helpers/manager.ts';
import { CliRig, parseNdjson } from '../helpers/cli-rig.ts';

setDefaultTimeout(30_000);

describe('reverse dependencies', () => {
  test('whenScheduled with a pattern S cannot fill: a target started later while S runs waits for S', async () => {
    using r = rig();
    const hold = gate();
    const trail: string[] = [];
    r.pm.proc('S', { rdeps: [whenScheduled('deploy::[env]')] }, async () => {
      trail.push('S:start');
      await hold.promise;
      trail.push('S:end');
    });
    r.pm.proto('deploy::[env]', (_c, a) => void trail.push(`deploy:${a.env}`));
    r.pm.start('S');
    await waitForEvent(r.pm, r.events, (e) => e.type === 'proc-state' && e.name === 'S' && e.state === 'running');
    r.pm.run('deploy::prod');
    expect(r.pm.linkedDeps('deploy::prod')).toEqual(['S']);
    setTimeout(() => hold.open(), 10);
    await r.pm.waitForAll();
    expect(trail).toEqual(['S:start', 'S:end', 'deploy:prod']);
  });

  test('whenTargetScheduled: scheduling the declarer after its target finished is a UserError naming both', async () => {
    using r = rig();
    r.pm.proc('target', () => 1);
    r.pm.start('target');
    await r.pm.waitForAll();
    // Defined after its target ran (defined before, it would have been injected and run first).
    r.pm.proc('declarer', { rdeps: [whenTargetScheduled('target')] }, () => 2);
    let error: unknown = null;
    try {
      r.pm.start('declarer');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).toMatch(/proc "declarer" must run before "target", which is already succeeded/);
    expect(r.pm.getProcs().get('declarer')?.state).toBe('failed-dep');
  });

  test('a proto declarer whose params the rdep does not provide is not injected (silently); procs made from it are', async () => {
    using r = rig();
    const ran: string[] = [];
    r.pm.proto('setup::[env]', { rdeps: ['B::[a]::[b]'] }, (_c, a) => void ran.push(`setup::${a.env}`));
    r.pm.proto('B::[a]::[b]', (_c, a) => void ran.push(`B::${a.a}::${a.b}`));
    // Nothing made from the proto yet: B runs, nothing is injected, no error.
    r.pm.run('B::test::1');
    await r.pm.waitForAll();
    expect(ran).toEqual(['B::test::1']);
    // A proc already created from the proto carries the rdep and goes first.
    r.pm.create('setup::test');
    r.pm.run('B::test::2');
    await r.pm.waitForAll();
    expect(r.pm.linkedDeps('B::test::2')).toEqual(['setup::test']);
    expect(ran).toEqual(['B::test::1', 'setup::test', 'B::test::2']);
  });
});

describe('args', () => {
  test('argTypes cast values given as args to create(pattern, args), as for values from a name', async () => {
    using r = rig();
    r.pm.proto('mul::[x]::[y]', { argTypes: { x: 'integer', y: 'integer' } }, (_c, a) => (a.x as unknown as number) * (a.y as unknown as number));
    const [name] = r.pm.create('mul::[x]::[y]', { x: '5', y: '6' });
    expect(r.pm.getProcs().get(name!)?.args).toEqual({ x: 5, y: 6 });
    r.pm.start(name!);
    await r.pm.waitForAll();
    expect(r.pm.results()[name!]).toBe(30);
  });
});

describe('function procs and their source', () => {
  test('editing the task file (or a module it imports) makes its function procs stale; trackSource: false opts out', async () => {
    await using cli = await CliRig.create();
    const task = (body: string, helper: string) => ({
      'parproc.ts': `import { proc } from 'parproc';
import { value } from './helper.ts';
proc('fn', { inputs: ['in.txt'] }, () => ${body});
proc('fixed', { inputs: ['in.txt'], trackSource: false }, () => 'fixed');
proc('uses-helper', { inputs: ['in.txt'] }, () => value);
`,
      'helper.ts': `export const value = ${helper};\n`,
      'in.txt': 'x',
    });
    cli.write(task("'one'", "'h1'"));
    const states = async () => Object.fromEntries(parseNdjson((await cli.exec(['fn', 'fixed', 'uses-helper', '--json'])).stdout).summary.procs.map((p) => [p.name, p.state]));
    expect(await states()).toEqual({ fn: 'succeeded', fixed: 'succeeded', 'uses-helper': 'succeeded' });
    expect(await states()).toEqual({ fn: 'up-to-date', fixed: 'up-to-date', 'uses-helper': 'up-to-date' });
    cli.write({ 'parproc.ts': task("'two'", "'h1'")['parproc.ts'] });
    expect(await states()).toEqual({ fn: 'succeeded', fixed: 'up-to-date', 'uses-helper': 'succeeded' });
    cli.write({ 'helper.ts': task("'two'", "'h2'")['helper.ts'] });
    expect(await states()).toEqual({ fn: 'succeeded', fixed: 'up-to-date', 'uses-helper': 'succeeded' });
    expect(await states()).toEqual({ fn: 'up-to-date', fixed: 'up-to-date', 'uses-helper': 'up-to-date' });
    expect(join(cli.dir, 'parproc.ts')).toContain('parproc.ts');
  });
});
