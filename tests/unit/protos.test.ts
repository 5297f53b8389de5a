import { describe, expect, test } from 'bun:test';
import { ProcManager, UserError } from '../../src/index.ts';
import { rig } from '../helpers/manager.ts';

describe('patterns and create', () => {
  test('pattern placeholders must be separated by the separator', () => {
    using r = rig();
    expect(() => r.pm.proto('a::[x]-[y]', () => 1)).toThrow('Pattern "a::[x]-[y]" must use the configured separator "::" between placeholders');
    expect(() => r.pm.proto('a::[x]::[y]', () => 1)).not.toThrow();
  });

  test('the last placeholder takes the rest, including separators', () => {
    using r = rig();
    r.pm.proto('f::[dir]::[path]', (_c, a) => `${a.dir}|${a.path}`);
    expect(r.pm.create('f::src::a::b.ts')).toEqual(['f::src::a::b.ts']);
    expect(r.pm.getProcs().get('f::src::a::b.ts')?.args).toEqual({ dir: 'src', path: 'a::b.ts' });
  });

  test('a custom separator', async () => {
    using r = rig({ nameParamSeparator: '/' });
    r.pm.proto('build/[env]/[n]', (_c, a) => `${a.env}-${a.n}`);
    expect(() => r.pm.proto('x/[a]::[b]', () => 1)).toThrow(/separator "\/"/);
    r.pm.run('build/dev/2');
    await r.pm.waitForAll();
    expect(r.pm.results()).toEqual({ 'build/dev/2': 'dev-2' });
  });

  test('create is idempotent and honours an explicit procName', () => {
    using r = rig();
    r.pm.proto('b::[env]', () => 1);
    expect(r.pm.create('b::dev')).toEqual(['b::dev']);
    expect(r.pm.create('b::dev')).toEqual(['b::dev']);
    expect(r.pm.create('b::prod', 'my-build')).toEqual(['my-build']);
    expect(r.pm.getProcs().get('my-build')?.args).toEqual({ env: 'prod' });
    expect(r.pm.getProcs().get('my-build')?.proto).toBe('b::[env]');
    expect(r.pm.create('b::prod', 'my-build')).toEqual(['my-build']); // the same again: idempotent
  });

  test("a dep pattern whose placeholder the proc's args do not fill names the proc at fault", () => {
    using r = rig();
    r.pm.proto('build::[env]', { argChoices: { env: ['dev', 'prod'] } }, () => 1);
    r.pm.proto('test::[env]', { deps: ['build::[env]'] }, () => 1);
    expect(r.pm.create('test::dev')).toEqual(['test::dev']);
    expect(r.pm.getProcs().get('test::dev')?.deps).toEqual(['build::dev']);
    expect(() => r.pm.proc('x', { deps: ['build::[env]'] }, () => 1)).toThrow(
      new UserError('proc "x": dep "build::[env]" needs argument "env", which proc "x" does not have (name one proc, or a glob such as build::*)'),
    );
  });

  test('a procName already taken by another proc, a glob with a procName, and a plain proc under a new name are UserErrors', () => {
    using r = rig();
    r.pm.proto('b::[env]', { argChoices: { env: ['dev', 'prod'] } }, () => 1);
    r.pm.proc('plain', () => 1);
    r.pm.create('b::prod', 'my-build');
    const problem = (f: () => unknown) => {
      try {
        f();
      } catch (err) {
        expect(err).toBeInstanceOf(UserError);
        return (err as Error).message;
      }
      return 'no error';
    };
    expect(problem(() => r.pm.create('b::dev', 'my-build'))).toBe('create("b::dev", "my-build"): proc "my-build" already exists, made as b::prod');
    expect(problem(() => r.pm.create('b::dev', 'plain'))).toBe('create("b::dev", "plain"): proc "plain" already exists, a proc of its own');
    expect(problem(() => r.pm.create('b::*', 'both'))).toBe('create("b::*", "both"): a procName names one proc, but "b::*" makes 2');
    expect(problem(() => r.pm.run('b::dev', { procName: 'my-build' }))).toStartWith('create("b::dev", "my-build")');
    expect(problem(() => r.pm.create('plain', 'p2'))).toBe('create("plain", "p2"): "plain" is a proc, not a proto\'s name; only a proto\'s procs can be made under a name of their own');
    expect([...r.pm.getProcs().keys()].sort()).toEqual(['my-build', 'plain']);
  });

  test('pattern + args fills the pattern; a missing arg is an error', () => {
    using r = rig();
    r.pm.proto('d::[env]::[region]', { args: { region: 'eu' } }, () => 1);
    expect(r.pm.create('d::[env]::[region]', { env: 'prod' })).toEqual(['d::prod::eu']);
    expect(() => r.pm.create('d::[env]::[region]', { region: 'us' })).toThrow(/requires argument "env"/);
  });

  test('proto args are defaults overridden by values in the name', () => {
    using r = rig();
    r.pm.proto('t::[a]', { args: { a: 'x', extra: 5 } }, () => 1);
    r.pm.create('t::y');
    expect(r.pm.getProcs().get('t::y')?.args).toEqual({ a: 'y', extra: 5 });
  });

  test('no proto, several protos', () => {
    using r = rig();
    r.pm.proto('m::[a]', () => 1);
    r.pm.proto('m::[b]::z', () => 1);
    expect(() => r.pm.create('nothing::here')).toThrow(/^No proto found matching "nothing::here"$/);
    // `run` of a typo names the closest proc too.
    r.pm.proc('deploy', () => 1);
    expect(() => r.pm.run('depoly')).toThrow(/^No proto found matching "depoly" \(nor a proc: did you mean deploy\?\)$/);
    expect(() => r.pm.create('m::q::z')).toThrow(/matches multiple protos/);
  });

  test('argTypes casts values from names', () => {
    using r = rig();
    r.pm.proto('c::[n]::[i]::[b]::[f]', { argTypes: { n: 'number', i: 'integer', b: 'boolean', f: (s: string) => s.toUpperCase() } }, () => 1);
    r.pm.create('c::1.5::42::Yes::abc');
    expect(r.pm.getProcs().get('c::1.5::42::Yes::abc')?.args).toEqual({ n: 1.5, i: 42, b: true, f: 'ABC' });
    for (const [b, want] of [['true', true], ['1', true], ['ON', true], ['no', false], ['0', false], ['off', false]] as const) {
      const [name] = r.pm.create(`c::1::1::${b}::x`);
      expect(r.pm.getProcs().get(name as string)?.args.b).toBe(want);
    }
    expect(() => r.pm.create('c::x::1::true::a')).toThrow(/argument "n" = "x" is not a number/);
    expect(() => r.pm.create('c::1::1.5::true::a')).toThrow(/argument "i" = "1.5" is not an integer/);
    expect(() => r.pm.create('c::1::1::maybe::a')).toThrow(/argument "b" = "maybe" is not a boolean/);
  });

  test('argChoices: allowed values, globs, cartesian product in choice order', () => {
    using r = rig();
    r.pm.proto('g::[env]::[arch]', { argChoices: { env: ['dev', 'prod'], arch: ['x64', 'arm64'] } }, () => 1);
    expect(r.pm.create('g::*::*')).toEqual(['g::dev::x64', 'g::dev::arm64', 'g::prod::x64', 'g::prod::arm64']);
    expect(r.pm.create('g::pro?::a*')).toEqual(['g::prod::arm64']);
    expect(() => r.pm.create('g::staging::x64')).toThrow(/"staging" for argument "env" is not in allowed choices/);
    expect(() => r.pm.create('g::q*::x64')).toThrow(/glob "q\*" for argument "env" matches none/);
  });

  test('a glob in an arg without choices is an error', () => {
    using r = rig();
    r.pm.proto('h::[env]::[x]', { argChoices: { env: ['a'] } }, () => 1);
    expect(() => r.pm.create('h::a::*')).toThrow(/argument "x" has no argChoices/);
  });

  test('argChoices keys must be params', () => {
    using r = rig();
    expect(() => r.pm.proto('k::[env]', { argChoices: { nope: ['a'] } as never }, () => 1)).toThrow(/argChoices key "nope" is not a parameter/);
  });

  test('argChoices as functions of the DepContext, with typed values', () => {
    using r = rig();
    r.pm.setParams({ regions: ['eu', 'us'] });
    r.pm.proto('r::[region]::[n]', {
      argChoices: (c) => ({ region: c.params.regions as string[], n: [1, 2] }),
    }, () => 1);
    expect(r.pm.create('r::*::2')).toEqual(['r::eu::2', 'r::us::2']);
    expect(r.pm.getProcs().get('r::eu::2')?.args.n).toBe(2);
    r.pm.proto('s::[v]', { argChoices: { v: () => ['one', 'two'] } }, () => 1);
    expect(r.pm.create('s::t*')).toEqual(['s::two']);
  });

  test('now: true on a proto starts each created proc', async () => {
    using r = rig();
    r.pm.proto('auto::[x]', { now: true }, (_c, a) => a.x);
    r.pm.create('auto::1');
    r.pm.create('auto::2');
    await r.pm.waitForAll();
    expect(r.pm.results()).toEqual({ 'auto::1': '1', 'auto::2': '2' });
  });

  test('a pattern equal to a proto with defaults creates from the defaults', () => {
    using r = rig();
    r.pm.proto('def::[env]', { args: { env: 'dev' } }, () => 1);
    expect(r.pm.create('def::[env]')).toEqual(['def::dev']);
  });

  test('proto args are typed from the pattern', () => {
    const pm = new ProcManager({ display: false });
    pm.proto('typed::[env]::[n]', (_ctx, args) => {
      const env: string = args.env;
      const n: string = args.n;
      return env + n;
    });
    expect(pm.getProtos().get('typed::[env]::[n]')?.params).toEqual(['env', 'n']);
  });

  test('errors are UserErrors with a code', () => {
    using r = rig();
    try {
      r.pm.create('zzz');
    } catch (e) {
      expect(e).toBeInstanceOf(UserError);
      expect((e as UserError).code).toBe('E_NO_PROTO');
    }
    expect.assertions(2);
  });
});
