/**
 * The CLI's own flag parser (issue 11: citty's parser loaded node:util on every start): the forms
 * it takes, the names it answers to, and one clear error for each kind of mistake.
 */
import { describe, expect, test } from 'bun:test';
import { thrownMessage } from '../helpers/thrown.ts';
import type { ArgsDef } from 'citty';
import { CliError } from '../../src/cli/errors.ts';
import { parseFlags, parseParams, positiveInt, repeated } from '../../src/cli/flags.ts';
import { runArgs } from '../../src/cli/commands/run.ts';
import { commandDef, commandIndex, takesValue } from '../../src/cli/main.ts';

const def = {
  'dry-run': { type: 'boolean', alias: 'n' },
  parallel: { type: 'string', alias: 'j' },
  db: { type: 'string' },
  limit: { type: 'string', default: '20' },
  format: { type: 'enum', options: ['json', 'dot'] },
  names: { type: 'positional', required: false }, // plural: takes the rest
} satisfies ArgsDef;

const problem = (f: () => unknown): string => thrownMessage(f, CliError);

describe('parseFlags', () => {
  test('long, short, inline and separate values; booleans; positionals and --', () => {
    const a = parseFlags(['-n', '--parallel=4', 'x', '--db', 'my.db', '--', '--not-a-flag', 'y'], def, 'run');
    expect(a['dry-run']).toBe(true);
    expect(a.dryRun).toBe(true);
    expect(a.parallel).toBe('4');
    expect(a.db).toBe('my.db');
    expect(a._).toEqual(['x', '--not-a-flag', 'y']);
    expect(a.names).toBe('x');
    expect(a.limit).toBe('20');
    const b = parseFlags(['-j', '2', '--dry-run=false', '--limit=5', '-'], def, 'run');
    expect(b.parallel).toBe('2');
    expect(b['dry-run']).toBe(false);
    expect(b.limit).toBe('5');
    expect(b._).toEqual(['-']);
  });

  test('a one-letter option takes its value attached, as make takes -j8', () => {
    const a = parseFlags(['-j8', '-n'], def, 'run');
    expect(a.parallel).toBe('8');
    expect(a['dry-run']).toBe(true);
    const b = parseFlags(['-Cweb', '-fbuild/p.ts', '-pk=v=w', 'x'], runArgs, 'run');
    expect([b.cwd, b.file, b.param, b._]).toEqual(['web', 'build/p.ts', 'k=v=w', ['x']]);
    // A long name written with one dash is that option, not its letter with a value.
    expect(parseFlags(['-parallel=3'], def, 'run').parallel).toBe('3');
    // A boolean letter takes no value: `-nx` is not `-n` with "x".
    expect(problem(() => parseFlags(['-nx'], def, 'run'))).toBe('run: unknown option "-nx" (see parproc run --help)');
    // A sub-command written as an option.
    expect(problem(() => parseFlags(['--list'], def, 'run'))).toBe('run: unknown option "--list" (list is a command: parproc list; see parproc run --help)');
    expect(repeated(['-pa=1', '-p', 'b=2', '--param=c=3', '-param=d=4', 'param', '--', '-pe=5'], ['p', 'param'])).toEqual(['a=1', 'b=2', 'c=3', 'd=4']);
  });

  test('--no-x turns a flag off, string flags too; the last value wins', () => {
    const a = parseFlags(['--no-db', '--no-dry-run', '-j', '1', '-j', '3'], def, 'run');
    expect(a.db).toBe(false as unknown as string);
    expect(a['dry-run']).toBe(false);
    expect(a.parallel).toBe('3');
  });

  test('mistakes are one line naming the flag', () => {
    expect(problem(() => parseFlags(['--paralel', '2'], def, 'run'))).toBe('run: unknown option "--paralel" (did you mean --parallel? see parproc run --help)');
    expect(problem(() => parseFlags(['-x'], def, 'run'))).toContain('unknown option "-x"');
    // A close name is offered for a long option only, in its written form (not citty's camelCase).
    expect(problem(() => parseFlags(['--dryrun'], def, 'run'))).toBe('run: unknown option "--dryrun" (did you mean --dry-run? see parproc run --help)');
    expect(problem(() => parseFlags(['-nx'], def, 'run'))).toBe('run: unknown option "-nx" (see parproc run --help)');
    expect(problem(() => parseFlags(['--db'], def, 'run'))).toBe('run: option "--db" needs a value');
    expect(problem(() => parseFlags(['--format', 'svg'], def, 'graph'))).toBe('graph: --format must be one of json, dot, got "svg"');
    expect(problem(() => parseFlags([], { shell: { type: 'positional' } }, 'completion'))).toBe('completion: missing argument SHELL');
    // An empty path (an unset variable: -f "$TASKS") is said, not taken for "here".
    expect(problem(() => parseFlags(['-f', ''], runArgs, 'run'))).toBe('run: --file expects a path, got an empty string');
    expect(problem(() => parseFlags(['-C='], runArgs, 'run'))).toBe('run: --cwd expects a directory, got an empty string');
    expect(problem(() => parseFlags(['--trace='], runArgs, 'run'))).toBe('run: --trace expects a path, got an empty string');
    expect(parseFlags(['--no-db'], runArgs, 'run').db as unknown).toBe(false);
    // One named positional takes one word; a plural one takes the rest.
    expect(problem(() => parseFlags(['a', 'b'], { name: { type: 'positional', required: false } }, 'history'))).toBe('history: unexpected argument "b" (history takes one NAME)');
    expect(parseFlags(['a', 'b'], def, 'clean')._).toEqual(['a', 'b']);
  });

  test("the run command's flags: every flag of `parproc run --help` parses", () => {
    const a = parseFlags(['-f', 'p.ts', '-C', 'dir', '--mode', 'worker', '-p', 'k=v', '--full-log', '--fail-fast', '--no-failed-first', '--json', '--trace', 't.json', 'build'], runArgs, 'run');
    expect([a.file, a.cwd, a.mode, a.param, a['full-log'], a['fail-fast'], a['failed-first'], a.json, a.trace, a._]).toEqual(['p.ts', 'dir', 'worker', 'k=v', true, true, false, true, 't.json', ['build']]);
    // Each flag under its camelCase name too, and a camelCase spelling is taken.
    expect([a.fullLog, a.failFast, a.failedFirst]).toEqual([true, true, false]);
    expect(parseFlags(['--fullLog'], runArgs, 'run')['full-log']).toBe(true);
  });

  test('params are defined, not assigned: `__proto__` is a param like any other', () => {
    const params = parseParams(['__proto__=x', 'constructor=y', 'a=b=c']);
    expect(Object.keys(params)).toEqual(['__proto__', 'constructor', 'a']);
    expect(Object.getPrototypeOf(params)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(params, '__proto__')?.value).toBe('x');
    expect(params.a).toBe('b=c');
  });

  test('a number flag too large to count says so', () => {
    expect(positiveInt('8', '--parallel')).toBe(8);
    expect(problem(() => positiveInt('0', '--parallel'))).toBe('--parallel expects a whole number of at least 1, got "0"');
    expect(problem(() => positiveInt('99999999999999999999', '--parallel'))).toBe('--parallel is too large: "99999999999999999999" (at most 9007199254740991)');
  });
});

describe('the sub-command among global flags', () => {
  test('every flag of every command that takes a value is known to take one, so its value is never the sub-command', async () => {
    for (const name of ['run', 'list', 'graph', 'history', 'clean', 'init', 'types', 'completion']) {
      const def: ArgsDef = (await commandDef(name))?.args ?? {};
      for (const [flag, d] of Object.entries(def)) {
        if (d.type !== 'string') continue;
        expect(takesValue(`--${flag}`), `${name} --${flag}`).toBe(true);
        const alias = (d as { alias?: string }).alias;
        if (alias !== undefined) expect(takesValue(`-${alias}`), `${name} -${alias}`).toBe(true);
      }
    }
    expect(commandIndex(['--remote-team', 't1', '--remote-cache', 'http://x', 'list'])).toBe(4);
  });
});
