import { describe, expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import * as v from 'valibot';
import { ignoreLogAlways, output, ProcManager, UserError } from '../../src/index.ts';
import { rig } from '../helpers/manager.ts';

describe('registration', () => {
  test('proc and proto return the registered name, usable in deps', async () => {
    using r = rig();
    const a = r.pm.proc('a', () => 1);
    const p = r.pm.proto('b::[x]', (_c, args) => `b-${args.x}`);
    expect(a).toBe('a');
    expect(p).toBe('b::[x]');
    r.pm.proc('c', { deps: [a, 'b::1'] }, (ctx) => [ctx.results.a, ctx.results['b::1']]);
    r.pm.start('c');
    await r.pm.waitForAll();
    expect(r.pm.results()).toEqual({ a: 1, 'b::1': 'b-1', c: [1, 'b-1'] });
  });

  test('shell-command procs fill [param] placeholders and log their output', async () => {
    using r = rig();
    r.pm.proto('greet::[who]', 'echo "hello [who]"; echo oops >&2');
    r.pm.run('greet::world');
    await r.pm.waitForAll();
    const info = r.pm.getProcs().get('greet::world');
    expect(info?.state).toBe('succeeded');
    expect(info?.output).toBeNull();
    // stdout and stderr come through two pipes, so their relative order is the OS's to choose:
    // both whole lines are in the log, in either order.
    const log = readFileSync(info!.logFile!, 'utf8');
    expect(log.endsWith('\n')).toBe(true);
    expect(log.trimEnd().split('\n').sort()).toEqual(['hello world', 'oops']);
  });

  test('shell placeholders are quoted, so values cannot inject commands', async () => {
    using r = rig();
    r.pm.proto('say::[msg]', 'echo [msg]');
    r.pm.run('say::a;echo pwned');
    await r.pm.waitForAll();
    expect(readFileSync(r.pm.getProcs().get('say::a;echo pwned')!.logFile!, 'utf8')).toBe('a;echo pwned\n');
  });

  test('argv procs spawn without a shell and fill placeholders', async () => {
    using r = rig();
    r.pm.proto('p::[word]', ['printf', '%s|', '[word]', '$HOME']);
    r.pm.run('p::x y');
    await r.pm.waitForAll();
    expect(readFileSync(r.pm.getProcs().get('p::x y')!.logFile!, 'utf8')).toBe('x y|$HOME|');
  });

  test('a non-zero command fails the proc', async () => {
    using r = rig();
    r.pm.proc('bad', 'exit 3');
    r.pm.start('bad');
    expect(await r.pm.waitForAll({ throwOnFailure: false })).toBe(false);
    const info = r.pm.getProcs().get('bad')!;
    expect(info.state).toBe('failed');
    expect(info.moreInfo).toBe('Command failed with exit code 3');
  });

  test('managers are independent', async () => {
    const a = new ProcManager({ display: false });
    const b = new ProcManager({ display: false });
    a.proc('x', () => 'a');
    b.proc('x', () => 'b');
    a.start('x');
    b.start('x');
    await Promise.all([a.waitForAll(), b.waitForAll()]);
    expect(a.results()).toEqual({ x: 'a' });
    expect(b.results()).toEqual({ x: 'b' });
  });

  test('duplicate names are a UserError', () => {
    using r = rig();
    r.pm.proc('a', () => 1);
    expect(() => r.pm.proc('a', () => 2)).toThrow(/Proc "a" already created/);
    r.pm.proto('p::[x]', () => 1);
    expect(() => r.pm.proto('p::[x]', () => 1)).toThrow(/Proto "p::\[x\]" already created/);
  });

  test('proc names may not hold placeholders', () => {
    using r = rig();
    expect(() => r.pm.proc('a::[x]', () => 1)).toThrow(UserError);
    expect(() => r.pm.proc('', () => 1)).toThrow(/non-empty/);
  });
});

describe('bad input', () => {
  const cases: [string, () => void, RegExp][] = [
    ['wrong option type', () => new ProcManager({ display: false }).proc('p', { timeout: 'soon' }, () => 1), /proc "p": option "timeout" expected a non-negative duration/],
    ['negative timeout', () => new ProcManager({ display: false }).proc('p', { timeout: -1 }, () => 1), /proc "p": option "timeout"/],
    ['unknown option', () => new ProcManager({ display: false }).proc('p', { dependencies: ['x'] } as never, () => 1), /proc "p": option "dependencies" is not an option/],
    ['deps not an array', () => new ProcManager({ display: false }).proc('p', { deps: 'a' } as never, () => 1), /^proc "p": option "deps" expected an array of proc names, functions or NO_FAILURES, got "a" \(a list: deps: \["a"\]\)$/],
    ['locks not an array', () => new ProcManager({ display: false }).proc('p', { locks: 'l' } as never, () => 1), /^proc "p": option "locks" expected an array of lock names, got "l" \(a list: locks: \["l"\]\)$/],
    // The item at fault, not "expected an array …, got Array".
    ['bad input item', () => new ProcManager({ display: false }).proc('p', { inputs: ['a', 3] } as never, () => 1), /^proc "p": option "inputs\[1\]" expected a path\/glob string or a function, got 3$/],
    ['bad output item', () => new ProcManager({ display: false }).proc('p', { outputs: [7] } as never, () => 1), /^proc "p": option "outputs\[0\]" expected a path, output\(…\) or a function, got 7$/],
    ['empty dep name', () => new ProcManager({ display: false }).proc('p', { deps: [''] }, () => 1), /^proc "p": option "deps\[0\]" expected a non-empty string, got ""$/],
    ['bad dep item', () => new ProcManager({ display: false }).proc('p', { deps: [3] } as never, () => 1), /proc "p": option "deps\[0\]"/],
    ['non-function body', () => new ProcManager({ display: false }).proc('p', {}, 42 as never), /proc "p": the body must be a function, a command string or a non-empty argv array/],
    ['missing body', () => new ProcManager({ display: false }).proc('p', {} as never), /proc "p": the body must be/],
    ['empty argv', () => new ProcManager({ display: false }).proc('p', [] as never), /proc "p": the body must be/],
    ['negative parallel', () => new ProcManager({ parallel: -1 }), /new ProcManager: option "parallel" expected at least 1/],
    ['fractional parallel', () => new ProcManager({ parallel: 1.5 }), /option "parallel" expected an integer/],
    ['unknown manager option', () => new ProcManager({ paralel: 2 } as never), /option "paralel" is not an option \(did you mean parallel\?\)$/],
    ['setOptions bad type', () => new ProcManager({ display: false }).setOptions({ allowMissingDeps: 'yes' } as never), /setOptions: option "allowMissingDeps"/],
    ['bad mode', () => new ProcManager({ display: false }).proc('p', { mode: 'thread' } as never, () => 1), /proc "p": option "mode"/],
    ['bad wave', () => new ProcManager({ display: false }).proc('p', { wave: 1.5 }, () => 1), /proc "p": option "wave" expected an integer/],
    ['bad argTypes', () => new ProcManager({ display: false }).proto('p::[x]', { argTypes: { x: 'float' } } as never, () => 1), /proto "p::\[x\]": option "argTypes.x"/],
    ['options not an object', () => new ProcManager({ display: false }).proc('p', null as never, () => 1), /proc "p"/],
    // logIgnore strings are regular expressions (as in the original): a bad one is found at definition, not by the display.
    ['bad logIgnore regex', () => new ProcManager({ display: false }).proc('p', { logIgnore: ['ok', '(unclosed'] }, () => 1), /^proc "p": option "logIgnore\[1\]" expected a valid regular expression, got "\(unclosed"$/],
    // The arguments in the wrong order: said so, not 'got undefined' (JSON of a function) or a complaint about the body.
    ['proc(fn, name)', () => new ProcManager({ display: false }).proc((() => 1) as never, 'x' as never), /^A proc name must be a non-empty string, got a function \(the name comes first: proc\(name, fn\)\)$/],
    ['proto(fn)', () => new ProcManager({ display: false }).proto((() => 1) as never, undefined as never), /^A proto pattern must be a non-empty string, got a function \(the pattern comes first: proto\(pattern, fn\)\)$/],
    // One value where a list goes: said how to write it.
    ['deps as a function', () => new ProcManager({ display: false }).proc('p', { deps: (() => []) as never }, () => 1), /^proc "p": option "deps" expected an array of proc names, functions or NO_FAILURES, got Function \(a list: deps: \[fn\]\)$/],
    ['inputs as a string', () => new ProcManager({ display: false }).proc('p', { inputs: 'a.txt' as never }, () => 1), /^proc "p": option "inputs" expected .*, got "a\.txt" \(a list: inputs: \["a\.txt"\]\)$/],
    ['proc({ name, … }, fn)', () => new ProcManager({ display: false }).proc({ name: 't0', deps: [] } as never, (() => 1) as never), /^A proc name must be a non-empty string, got \{"name":"t0","deps":\[\]\} \(the name comes first: proc\(name, options, fn\)\)$/],
    ['proto({ … }, fn)', () => new ProcManager({ display: false }).proto({ args: {} } as never, (() => 1) as never), /^A proto pattern must be a non-empty string, got \{"args":\{\}\} \(the pattern comes first: proto\(pattern, options, fn\)\)$/],
    ['bad ignoreLogAlways regex', () => ignoreLogAlways('(bad'), /^ignoreLogAlways: invalid regular expression "\(bad": /],
  ];
  for (const [what, fn, message] of cases) {
    test(what, () => {
      let err: unknown;
      try {
        fn();
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(UserError);
      expect((err as Error).message).toMatch(message);
      expect((err as Error).message).not.toContain('\n');
    });
  }


  test('valibot schema as argTypes casts and rejects', async () => {
    using r = rig();
    r.pm.proto('n::[count]', { argTypes: { count: v.pipe(v.string(), v.transform(Number), v.number(), v.minValue(1)) } }, (_c, a) => a.count);
    r.pm.run('n::3');
    await r.pm.waitForAll();
    expect(r.pm.results()['n::3']).toBe(3);
    expect(() => r.pm.create('n::0')).toThrow(/argument "count" = "0" does not fit its schema/);
  });
});

describe('durations', () => {
  test('seconds, a number with a unit, and sums of them (as formatDuration prints: 2m05s); anything else is refused', () => {
    const good: [unknown, number][] = [[90, 90], ['0.5', 0.5], ['300ms', 0.3], ['4 minutes', 240], ['1h30m', 5400], ['2m05s', 125], ['1 hour 30 minutes', 5400], [' 1h 30m 10s ', 5410], ['2w', 1209600], ['1 week 1 day', 691200]];
    for (const [d, seconds] of good) expect([d, output('x', { maxAge: d as string }).maxAge]).toEqual([d, seconds]);
    for (const d of ['1h30', '4x', '1h30mx', 'h1', '', '-1s', 'PT4S']) {
      expect(() => new ProcManager({ display: false }).proc('p', { timeout: d }, () => 1)).toThrow(/option "timeout" expected a non-negative duration/);
    }
  });
});
