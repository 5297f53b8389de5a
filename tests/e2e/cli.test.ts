import { describe, expect, test, setDefaultTimeout } from 'bun:test';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Graphviz } from '@hpcc-js/wasm-graphviz';
import { Database } from 'bun:sqlite';
import { CliRig, parseNdjson, processesMatching, StreamReader } from '../helpers/cli-rig.ts';

setDefaultTimeout(30_000);

const BASIC = `
import { proc, proto } from 'parproc';
proc('a', () => 'A');
proc('b', { deps: ['a'], description: 'needs a' }, (ctx) => ctx.results.a + 'B');
proto('build::[env]', { argChoices: { env: ['dev', 'prod'] }, description: 'build one env' }, (ctx, { env }) => 'built ' + env);
`;

describe('task file discovery and loading', () => {
  test('parproc.ts in the working directory or the nearest parent', async () => {
    await using rig = await CliRig.create();
    rig.write({ 'parproc.ts': BASIC, 'sub/deeper/.keep': '' });
    const here = await rig.exec(['run', 'b', '--json']);
    expect(here.code).toBe(0);
    expect(parseNdjson(here.stdout).summary.procs.map((p) => p.name).sort()).toEqual(['a', 'b']);
    const below = await rig.exec(['b', '--json'], { cwd: 'sub/deeper' });
    expect(below.code).toBe(0);
    expect(parseNdjson(below.stdout).summary.ok).toBe(true);
  });

  test('a task file found in a parent runs there: relative inputs, outputs and commands mean the same from every subdirectory', async () => {
    await using rig = await CliRig.create();
    rig.write({
      'parproc.ts': `import { proc } from 'parproc';
proc('copy', { inputs: ['src/*.txt'], outputs: ['out/a.txt'] }, 'mkdir -p out && cp src/a.txt out/a.txt');
proc('where', () => process.cwd());
`,
      'src/a.txt': 'x\n',
      'src/deeper/.keep': '',
    });
    const top = await rig.exec(['copy', '--json']);
    expect(parseNdjson(top.stdout).summary.procs).toMatchObject([{ name: 'copy', state: 'succeeded' }]);
    // From below: the same files, so up to date; flags' relative paths are still from where the command was given.
    const below = await rig.exec(['copy', 'where', '--json', '--trace', 'trace.json'], { cwd: 'src/deeper' });
    expect(below.code).toBe(0);
    const procs = parseNdjson(below.stdout).summary.procs;
    expect(procs.find((p) => p.name === 'copy')).toMatchObject({ state: 'up-to-date' });
    expect((procs.find((p) => p.name === 'where') as { output?: unknown } | undefined)?.output).toBe(rig.dir);
    expect(existsSync(join(rig.dir, 'src', 'deeper', 'trace.json'))).toBe(true);
    expect(existsSync(join(rig.dir, 'src', 'deeper', 'out'))).toBe(false);
  });

  for (const name of ['parproc.mts', 'parproc.js', 'parproc.mjs']) {
    test(`${name} is found too`, async () => {
      await using rig = await CliRig.create();
      rig.write({ [name]: `import { proc } from 'parproc';\nproc('only', () => 1);\n` });
      const r = await rig.exec(['only', '--json']);
      expect(r.code).toBe(0);
      expect(parseNdjson(r.stdout).summary.procs).toMatchObject([{ name: 'only', state: 'succeeded' }]);
    });
  }

  test('-f names another file; -C changes directory first, so procs run there', async () => {
    await using rig = await CliRig.create();
    rig.write({
      'tasks/mytasks.ts': `import { proc } from 'parproc';\nproc('where', async (ctx) => (await ctx.$\`pwd\`).stdout.trim());\n`,
      'proj/parproc.ts': `import { proc } from 'parproc';\nproc('where', async (ctx) => { await Bun.write('marker.txt', process.cwd()); return 1; });\n`,
    });
    const f = await rig.exec(['-f', 'tasks/mytasks.ts', 'where']);
    expect(f.code).toBe(0);
    const c = await rig.exec(['-C', 'proj', 'where']);
    expect(c.code).toBe(0);
    expect(readFileSync(join(rig.dir, 'proj', 'marker.txt'), 'utf8')).toEndWith('/proj');
  });

  test('a missing task file is one line naming what was looked for, exit 2', async () => {
    await using rig = await CliRig.create();
    const r = await rig.exec(['run']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('no task file: none of parproc.ts');
    const f = await rig.exec(['-f', 'nope.ts']);
    expect(f.code).toBe(2);
    expect(f.stderr.trim()).toBe('parproc: task file not found: nope.ts');
    // A directory where a file or directory is wanted, and a missing one, each said as it is.
    rig.write({ 'sub/x.txt': '', 'afile': '' });
    const said = async (words: string[]) => (await rig.exec(words)).stderr.trim();
    expect(await said(['-f', 'sub'])).toBe('parproc: task file sub is a directory (name a file in it with -f, or use -C sub)');
    expect(await said(['-C', 'nope'])).toBe('parproc: -C: no such directory: nope');
    expect(await said(['-C', 'afile'])).toBe('parproc: -C: not a directory: afile');
  });

  test('a syntax error is one line with file and line, exit 2', async () => {
    await using rig = await CliRig.create();
    rig.write({ 'parproc.ts': `import { proc } from 'parproc';\n\nconst x = ;\n` });
    const r = await rig.exec(['run']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/error in task file parproc\.ts:3:\d+: /);
  });

  test('a throw at the top level is one line with file and line, exit 2', async () => {
    await using rig = await CliRig.create();
    rig.write({ 'parproc.ts': `import { proc } from 'parproc';\nproc('x', () => 1);\nthrow new Error('config missing');\n` });
    const r = await rig.exec([]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe('parproc: error in task file parproc.ts:3: config missing');
  });

  test('an import that does not resolve is one line naming it, exit 2', async () => {
    await using rig = await CliRig.create();
    rig.write({ 'parproc.ts': `import { proc } from 'parproc';\nimport './helpers/missing.ts';\n` });
    const r = await rig.exec([]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toMatch(/^parproc: error in task file parproc\.ts: Cannot find module '\.\/helpers\/missing\.ts' imported from \S+parproc\.ts$/);
  });

  test('a promise nothing can settle: at the top level one line, exit 2; in a proc, the proc fails, exit 1 (both exited 0 in silence)', async () => {
    await using rig = await CliRig.create();
    rig.write({
      'parproc.ts': `import { proc } from 'parproc';\nproc('default', () => 1);\nawait new Promise(() => {});\n`,
      'stuck.ts': `import { proc } from 'parproc';\nproc('stuck', async () => { console.log('waiting'); await new Promise(() => {}); });\nproc('default', { deps: ['stuck'] }, () => 1);\n`,
    });
    const r = await rig.exec([]);
    expect([r.code, r.stderr.trim()]).toEqual([2, 'parproc: error in task file parproc.ts: it never finished loading: a top-level await waits on a promise that nothing left (no timer, I/O or process) can settle']);
    const s = await rig.exec(['-f', 'stuck.ts', '--json']);
    expect(s.code, s.stderr).toBe(1);
    const summary = JSON.parse(s.stdout.trim().split('\n').at(-1) as string);
    expect(summary.procs.map((p: { name: string; state: string; moreInfo: string | null }) => [p.name, p.state, p.moreInfo]).sort()).toEqual([
      ['default', 'failed-dep', 'canceled due to failure of "stuck"'],
      ['stuck', 'failed', 'never settled: it waits on a promise that nothing left (no timer, I/O or process) can settle'],
    ]);
    // Holding a lock: the proc that waits for it runs. Before, the lock stayed held, that proc
    // never started, and the process ended, exit 0, with no summary.
    rig.write({ 'locked.ts': `import { proc } from 'parproc';\nproc('stuck', { locks: ['L'] }, async () => { await new Promise(() => {}); });\nproc('other', { locks: ['L'] }, () => 'ran');\n` });
    const l = await rig.exec(['-f', 'locked.ts', 'stuck', 'other']);
    expect([l.code, l.stdout.split('\n').filter((x) => x.startsWith('✓') || x.startsWith('✗')).map((x) => x.split(' ').slice(0, 2).join(' '))]).toEqual([1, ['✗ stuck', '✓ other']]);
  });

  test('a bad definition in the task file is a one-line UserError, exit 2', async () => {
    await using rig = await CliRig.create();
    rig.write({ 'parproc.ts': `import { proc } from 'parproc';\nproc('x', { timeout: 'soon' }, () => 1);\n` });
    const r = await rig.exec([]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('proc "x": option "timeout"');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  test('a task file written as a script (top-level await waitForAll) does not hang the CLI', async () => {
    await using rig = await CliRig.create();
    rig.write({
      'script-style.ts': `import { proc, waitForAll, wait } from 'parproc';\nproc('a', { now: true }, () => 'A');\nproc('b', { now: true, deps: ['a'] }, () => 'B');\nawait waitForAll();\n`,
      'waits.ts': `import { proc, wait } from 'parproc';\nproc('a', () => 'A');\nawait wait('a');\n`,
    });
    const r = await rig.exec(['-f', 'script-style.ts', '--json']);
    expect(r.code).toBe(0);
    expect(parseNdjson(r.stdout).summary.procs.map((p) => `${p.name}:${p.state}`).sort()).toEqual(['a:succeeded', 'b:succeeded']);
    // What follows the wait (a report, process.exit) does not run before the run it follows: the
    // file stops at the wait. Before, `process.exit` there ended the CLI, exit 0, with nothing run.
    rig.write({
      'exits.ts': `import { proc, waitForAll } from 'parproc';\nimport { writeFileSync } from 'node:fs';\nproc('a', { now: true }, () => 'A');\nconst ok = await waitForAll();\nwriteFileSync('report.txt', String(ok));\nprocess.exit(ok ? 0 : 3);\n`,
    });
    const x = await rig.exec(['-f', 'exits.ts', '--json']);
    expect(x.code, x.stderr).toBe(0);
    expect(parseNdjson(x.stdout).summary.procs.map((p) => `${p.name}:${p.state}`)).toEqual(['a:succeeded']);
    expect(existsSync(join(rig.dir, 'report.txt'))).toBe(false);
    expect((await rig.exec(['-f', 'exits.ts', '-n'])).stdout).toContain('Dry run');
    // A target defined below the wait is unknown, and the error says why.
    rig.write({ 'late.ts': `import { proc, waitForAll } from 'parproc';\nproc('a', () => 'A');\nawait waitForAll();\nproc('b', () => 'B');\n` });
    const late = await rig.exec(['-f', 'late.ts', 'b']);
    expect([late.code, late.stderr]).toEqual([2, 'parproc: unknown target "b" (did you mean a?); the task file stopped at a top-level waitForAll() or waitClear(), and procs it defines after that are not seen\n']);
    rig.write({ 'plain.ts': `import { proc } from 'parproc';\nproc('a', () => 'A');\n` });
    expect((await rig.exec(['-f', 'plain.ts', 'b'])).stderr).toBe('parproc: unknown target "b" (did you mean a?)\n');
    // `parproc help` with no proc of that name says where the usage is; a task file's own `help` proc runs.
    expect((await rig.exec(['-f', 'plain.ts', 'help'])).stderr).toBe('parproc: unknown target "help"; parproc --help shows the usage\n');
    rig.write({ 'helpful.ts': `import { proc } from 'parproc';\nproc('help', () => 'the project help');\n` });
    expect((await rig.exec(['-f', 'helpful.ts', 'help'])).code).toBe(0);
    const w = await rig.exec(['-f', 'waits.ts']);
    expect(w.code).toBe(2);
    expect(w.stderr).toContain('procs do not run while the parproc CLI loads the task file');
    expect(w.stderr.trim().split('\n')).toHaveLength(1);
  });

  test("'parproc' imports in the task file and modules it imports share one registry", async () => {
    await using rig = await CliRig.create();
    rig.write({
      'parproc.ts': `import { proc } from 'parproc';\nimport './lib/more.ts';\nproc('main', { deps: ['helper'] }, (ctx) => ctx.results.helper + '!');\n`,
      'lib/more.ts': `import { proc } from 'parproc';\nproc('helper', () => 'from helper');\n`,
    });
    const r = await rig.exec(['main', '--json']);
    expect(r.code).toBe(0);
    expect(parseNdjson(r.stdout).summary.procs.map((p) => `${p.name}:${p.state}`).sort()).toEqual(['helper:succeeded', 'main:succeeded']);
  });

  test('a local copy of parproc in node_modules still shares the one registry', async () => {
    await using rig = await CliRig.create();
    // A real copy of the package (its own files), plus a module importing it by path.
    const { cpSync, symlinkSync } = await import('node:fs');
    cpSync(join(import.meta.dir, '..', '..', 'src'), join(rig.dir, 'node_modules', 'parproc', 'src'), { recursive: true });
    symlinkSync(join(import.meta.dir, '..', '..', 'node_modules'), join(rig.dir, 'node_modules', 'parproc', 'node_modules'));
    rig.write({
      'node_modules/parproc/package.json': JSON.stringify({ name: 'parproc', type: 'module', exports: { '.': './src/index.ts' } }),
      'parproc.ts': `import { proc } from 'parproc';\nimport './by-path.ts';\nproc('top', { deps: ['copy'] }, (ctx) => ctx.results.copy);\n`,
      'by-path.ts': `import { proc } from './node_modules/parproc/src/index.ts';\nproc('copy', () => 'registered through a second copy');\n`,
    });
    const r = await rig.exec(['top', '--json']);
    expect(r.stderr).not.toContain('parproc:');
    expect(r.code).toBe(0);
    expect(parseNdjson(r.stdout).summary.procs.map((p) => `${p.name}:${p.state}`).sort()).toEqual(['copy:succeeded', 'top:succeeded']);
  });
});

test('bunx parproc runs the locally installed package (node_modules/.bin/parproc)', async () => {
  await using rig = await CliRig.create();
  const { mkdirSync, symlinkSync } = await import('node:fs');
  mkdirSync(join(rig.dir, 'node_modules', '.bin'), { recursive: true });
  symlinkSync(join(import.meta.dir, '..', '..'), join(rig.dir, 'node_modules', 'parproc'));
  symlinkSync('../parproc/src/cli.ts', join(rig.dir, 'node_modules', '.bin', 'parproc'));
  rig.write({ 'parproc.ts': `import { proc } from 'parproc';\nproc('default', () => 'via bunx');\n` });
  const p = Bun.spawn([process.execPath, 'x', 'parproc', '--json'], { cwd: rig.dir, stdout: 'pipe', stderr: 'pipe', env: { ...process.env, NO_COLOR: '1' } });
  const [out, code] = await Promise.all([new Response(p.stdout).text(), p.exited]);
  expect(code).toBe(0);
  expect(parseNdjson(out).summary.procs).toMatchObject([{ name: 'default', state: 'succeeded' }]);
});

describe('parproc run', () => {
  test('targets: names, filled-out proto names and globs, with their deps', async () => {
    await using rig = await CliRig.create();
    rig.write({ 'parproc.ts': BASIC });
    const r = await rig.exec(['run', 'b', 'build::*', '--json']);
    expect(r.code).toBe(0);
    const names = parseNdjson(r.stdout).summary.procs.map((p) => p.name).sort();
    expect(names).toEqual(['a', 'b', 'build::dev', 'build::prod']);
    const one = await rig.exec(['build::prod', '--json']);
    expect(parseNdjson(one.stdout).summary.procs.map((p) => p.name)).toEqual(['build::prod']);
  });

  test('a glob no proto takes names the procs it matches (test:* for test:unit and test:e2e); one matching nothing is unknown', async () => {
    await using rig = await CliRig.create();
    rig.write({ 'parproc.ts': `import { proc } from 'parproc';\nproc('test:unit', () => 1);\nproc('test:e2e', () => 2);\nproc('lint', () => 3);\n` });
    const r = await rig.exec(['test:*', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(parseNdjson(r.stdout).summary.procs.map((p) => p.name).sort()).toEqual(['test:e2e', 'test:unit']);
    const none = await rig.exec(['zz*']);
    expect([none.code, none.stderr.trim()]).toEqual([2, 'parproc: unknown target "zz*"']);
  });

  test('--json: NDJSON events, a summary last, the human display on stderr', async () => {
    await using rig = await CliRig.create();
    rig.write({ 'parproc.ts': BASIC });
    const r = await rig.exec(['b', '--json']);
    const { events, summary } = parseNdjson(r.stdout);
    expect(events[0]?.type).toBe('run-start');
    expect(events.at(-1)?.type).toBe('run-end');
    expect(events.filter((e) => e.type === 'proc-state').map((e) => `${(e as { name: string }).name}:${(e as { state: string }).state}`)).toEqual([
      'b:wanted', 'a:wanted', 'a:running', 'a:succeeded', 'b:running', 'b:succeeded',
    ]);
    expect(summary).toMatchObject({ type: 'summary', ok: true });
    expect(summary.procs.every((p) => typeof p.durationMs === 'number')).toBe(true);
    expect(r.stderr).toContain('✓ b');
  });

  test('--json keeps stdout for NDJSON: what the task file prints at top level goes to stderr', async () => {
    await using rig = await CliRig.create();
    rig.write({ 'parproc.ts': `import { proc } from 'parproc';\nconsole.log('loading tasks');\nprocess.stdout.write('raw too\\n');\nproc('default', () => 1);\n` });
    const r = await rig.exec(['--json']);
    expect(r.code).toBe(0);
    for (const line of r.stdout.trim().split('\n')) expect(() => JSON.parse(line)).not.toThrow();
    expect(r.stderr).toContain('loading tasks\nraw too\n');
    const plain = await rig.exec([]);
    expect(plain.stdout).toStartWith('loading tasks\nraw too\n');
  });

  test('-j limits parallelism; -p sets params (repeatable)', async () => {
    await using rig = await CliRig.create();
    rig.write({
      'parproc.ts': `import { proc } from 'parproc';
let running = 0, peak = 0;
for (let i = 0; i < 6; i++) proc('w' + i, async () => { peak = Math.max(peak, ++running); await Bun.sleep(20); running--; });
proc('default', { deps: ['w0','w1','w2','w3','w4','w5'] }, (ctx) => { console.log(JSON.stringify({ peak, params: ctx.params })); });
`,
    });
    const r = await rig.exec(['-j', '2', '-p', 'env=prod', '--param', 'region=eu', '--json']);
    expect(r.code).toBe(0);
    const out = parseNdjson(r.stdout).events.find((e) => e.type === 'proc-output') as { text: string };
    expect(JSON.parse(out.text)).toEqual({ peak: 2, params: { env: 'prod', region: 'eu' } });
    // Values attached to one-letter options, as make takes them.
    const attached = await rig.exec(['-j1', '-penv=dev', '--json', '--full']);
    expect(attached.code, attached.stderr).toBe(0);
    const line = parseNdjson(attached.stdout).events.find((e) => e.type === 'proc-output') as { text: string };
    expect(JSON.parse(line.text)).toEqual({ peak: 1, params: { env: 'dev' } });
  });

  test('-p is set before the task file loads: deps and arg choices made from params see it (run, -n, list, graph), and it wins over the file\'s setParams', async () => {
    // Before, the task file's deps were resolved with no params, and only the targets saw -p.
    await using rig = await CliRig.create();
    rig.write({
      'parproc.ts': `import { proc, proto, setParams } from 'parproc';
setParams({ tag: 'from-file', kept: 'yes' });
proto('deploy::[env]', { argChoices: (c) => ({ env: String(c.params.envs ?? 'dev,prod').split(',') }) }, (c, a) => a.env + ':' + c.params.tag);
proc('default', { deps: ['deploy::*'] }, (ctx) => ctx.params);
`,
    });
    const r = await rig.exec(['-p', 'envs=a,b', '-p', 'tag=cli', '--json', '--no-db']);
    const procs = parseNdjson(r.stdout).summary.procs as { name: string; output?: unknown }[];
    expect(procs.map((p) => [p.name, p.output])).toEqual([
      ['default', { envs: 'a,b', tag: 'cli', kept: 'yes' }],
      ['deploy::a', 'a:cli'],
      ['deploy::b', 'b:cli'],
    ]);
    expect((await rig.exec(['-n', '-p', 'envs=x'])).stdout).toContain('  run         deploy::x  ');
    expect((await rig.exec(['list', '-p', 'envs=x,y'])).stdout).toContain('default    ← deploy::x, deploy::y');
    expect((await rig.exec(['-p', 'envs=q', 'graph', '--format', 'dot'])).stdout).toContain('"deploy::q" -> "default";');
  });

  test('no targets: the default proc; else the now: true procs; else the list', async () => {
    await using rig = await CliRig.create();
    rig.write({
      'with-default.ts': `import { proc } from 'parproc';\nproc('x', () => 1);\nproc('default', () => 2);\n`,
      'with-now.ts': `import { proc } from 'parproc';\nproc('x', () => 1);\nproc('early', { now: true }, () => 2);\n`,
      'plain.ts': `import { proc } from 'parproc';\nproc('x', { description: 'the x' }, () => 1);\n`,
    });
    const d = await rig.exec(['-f', 'with-default.ts', '--json']);
    expect(parseNdjson(d.stdout).summary.procs.map((p) => p.name)).toEqual(['default']);
    const n = await rig.exec(['-f', 'with-now.ts', '--json']);
    expect(parseNdjson(n.stdout).summary.procs.map((p) => p.name)).toEqual(['early']);
    const l = await rig.exec(['-f', 'plain.ts']);
    expect(l.code).toBe(0);
    expect(l.stdout).toContain('x  the x');
  });

  test('-n/--dry-run prints the start order and runs nothing', async () => {
    await using rig = await CliRig.create();
    rig.write({
      'parproc.ts': `import { proc } from 'parproc';
proc('first', () => Bun.write('ran-first', 'x'));
proc('second', { deps: ['first'] }, () => Bun.write('ran-second', 'x'));
proc('late', { wave: 1 }, () => 1);
proc('default', { deps: ['second', 'late'], wave: 1 }, () => 1);
`,
    });
    const r = await rig.exec(['-n']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      'Dry run, in start order (nothing was run):\n  run         first  (no deps or inputs: never skipped)\n  run         second  (dep first ran)\n  run         late  (no deps or inputs: never skipped)\n  run         default  (dep second ran)\nExpected total: unknown (no history yet)\n',
    );
    expect(existsSync(join(rig.dir, 'ran-first'))).toBe(false);
    expect(existsSync(join(rig.dir, 'ran-second'))).toBe(false);
  });

  test('exit 1 when a proc fails; logs go to .parproc/logs beside the task file', async () => {
    await using rig = await CliRig.create();
    rig.write({ 'parproc.ts': `import { proc } from 'parproc';\nproc('bad', () => { console.log('about to fail'); throw new Error('nope'); });\n` });
    const r = await rig.exec(['bad']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('✗ bad');
    expect(r.stdout).toContain('exception: nope');
    expect(readFileSync(join(rig.dir, '.parproc', 'logs', 'bad.log'), 'utf8')).toStartWith('about to fail\nError: nope');
  });

  test('errors procs leave uncaught do not end the run: a timer\'s throw fails its proc, an unawaited rejection is a warning; summary and history stay', async () => {
    await using rig = await CliRig.create();
    rig.write({
      'parproc.ts': `import { proc } from 'parproc';
let rejected = () => {};
const later = new Promise((r) => (rejected = r));
proc('timer', async () => { setTimeout(() => { throw new Error('thrown in a timer'); }, 0); await new Promise(() => {}); });
proc('leaves', () => { void Promise.reject(new Error('nobody awaits this')); setTimeout(rejected, 50); return 1; });
proc('after', async () => { await later; return 'still here'; });
`,
    });
    const r = await rig.exec(['timer', 'leaves', 'after', '--json']);
    expect(r.code, r.stderr).toBe(1);
    const { events, summary } = parseNdjson(r.stdout);
    expect(summary.procs.map((p) => [p.name, p.state, p.moreInfo]).sort()).toEqual([
      ['after', 'succeeded', null],
      ['leaves', 'succeeded', null],
      ['timer', 'failed', 'thrown in a timer'],
    ]);
    const warnings = events.filter((e) => e.type === 'warning').map((e) => (e as { message: string }).message);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^a promise was rejected and nothing awaited it: Error: nobody awaits this \(at \/.*parproc\.ts:5:\d+\)$/);
    const db = new Database(join(rig.dir, '.parproc', 'parproc.db'), { readonly: true });
    try {
      expect((db.query('SELECT count(*) AS n FROM runs').get() as { n: number }).n).toBe(3);
    } finally {
      db.close();
    }
  });

  test('--full-log prints the whole log of a failed proc', async () => {
    await using rig = await CliRig.create();
    rig.write({ 'parproc.ts': `import { proc } from 'parproc';\nproc('bad', async (ctx) => { ctx.log('line one'); ctx.log('line two'); await ctx.$\`exit 5\`; });\n` });
    const r = await rig.exec(['bad', '--full-log']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('    line one\n    line two\n    Command failed with exit code 5');
  });

  test('a reader that goes away (parproc run | head -2): the run still finishes, exit 0, no error', async () => {
    await using rig = await CliRig.create();
    rig.write({
      'parproc.ts': `import { proc } from 'parproc';\nimport { writeFileSync } from 'node:fs';\nconst all = [];\nfor (let i = 0; i < 2000; i++) all.push(proc('p' + i, () => i));\nproc('default', { deps: all }, () => writeFileSync('done.txt', 'ok'));\n`,
    });
    const cmd = [...rig.command, 'run', '--no-db'].map((a) => `'${a}'`).join(' ');
    const p = Bun.spawn(['bash', '-c', `${cmd} 2>err.txt | head -2; echo "status \${PIPESTATUS[0]}"`], { cwd: rig.dir, stdout: 'pipe', env: { ...process.env, NO_COLOR: '1', CI: '1' } });
    const out = await new Response(p.stdout).text();
    expect(await p.exited).toBe(0);
    expect(out).toBe('▶ p0\n▶ p1\nstatus 0\n');
    expect(readFileSync(join(rig.dir, 'done.txt'), 'utf8')).toBe('ok');
    expect(readFileSync(join(rig.dir, 'err.txt'), 'utf8')).toBe('');
    const version = [...rig.command, '--version'].map((a) => `'${a}'`).join(' ');
    const v = Bun.spawn(['bash', '-c', `${version} | head -0; echo "status \${PIPESTATUS[0]}"`], { cwd: rig.dir, stdout: 'pipe', stderr: 'pipe' });
    const [vOut, vErr] = await Promise.all([new Response(v.stdout).text(), new Response(v.stderr).text()]);
    expect([vOut, vErr]).toEqual(['status 0\n', '']);
  });

  test('an unknown target: one line with the closest names, exit 2', async () => {
    await using rig = await CliRig.create();
    rig.write({ 'parproc.ts': BASIC });
    const r = await rig.exec(['build::prd']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe('parproc: proto "build::[env]": "prd" for argument "env" is not in allowed choices: "env" must be one of dev, prod (did you mean build::prod?)');
    const g = await rig.exec(['build::nope']);
    expect(g.code).toBe(2);
    expect(g.stderr).toContain('not in allowed choices');
    // A misspelt sub-command (no proc is close): which command (before: no hint at all).
    expect((await rig.exec(['hisotry'])).stderr).toBe('parproc: unknown target "hisotry" (did you mean the command parproc history?)\n');
    expect((await rig.exec(['lsit'])).stderr).toBe('parproc: unknown target "lsit" (did you mean the command parproc list?)\n');
    // And a misspelt option.
    expect((await rig.exec(['--dryrun'])).stderr).toBe('parproc: run: unknown option "--dryrun" (did you mean --dry-run? see parproc run --help)\n');
    expect((await rig.exec(['--verison'])).stderr).toBe('parproc: run: unknown option "--verison" (did you mean --version? see parproc run --help)\n');
    // An empty name (a shell variable that was not set) says so, not what the API calls it.
    const e = await rig.exec(['']);
    expect(e.code).toBe(2);
    expect(e.stderr.trim()).toBe('parproc: a target name cannot be empty');
    // A misspelt proto name with a value: the pattern filled with it is the suggestion.
    rig.write({ 'protos.ts': `import { proto } from 'parproc';\nproto('child::[n]', (_c, { n }) => n);\n` });
    expect((await rig.exec(['-f', 'protos.ts', 'chld::5'])).stderr).toBe('parproc: unknown target "chld::5" (did you mean child::5?)\n');
    // A proto named without its args: its glob when it has choices, else its pattern; a dep too.
    rig.write({ 'named.ts': `import { proc, proto } from 'parproc';\nproto('build::[env]', { argChoices: { env: ['dev', 'prod'] } }, (_c, { env }) => env);\nproto('test::[x]', (_c, { x }) => x);\n` });
    expect((await rig.exec(['-f', 'named.ts', 'build'])).stderr).toBe('parproc: unknown target "build" (did you mean build::*?)\n');
    expect((await rig.exec(['-f', 'named.ts', 'test'])).stderr).toBe('parproc: unknown target "test" (did you mean test::[x]?)\n');
    expect((await rig.exec(['-f', 'named.ts', 'build::'])).stderr).toBe('parproc: unknown target "build::" (did you mean build::*?)\n');
    // The pattern itself, with no defaults for its args: which names to give (before: 'create("build::[env]") requires argument "env"').
    expect((await rig.exec(['-f', 'named.ts', 'build::[env]'])).stderr).toBe('parproc: target "build::[env]" is a proto\'s pattern: name its "env" in the target (build::dev, build::prod, build::*)\n');
    expect((await rig.exec(['-f', 'named.ts', 'test::[x]'])).stderr).toBe('parproc: target "test::[x]" is a proto\'s pattern: name its "x" in the target\n');
    rig.write({ 'dep.ts': `import { proc, proto } from 'parproc';\nproto('build::[env]', (_c, { env }) => env);\nproc('a', { deps: ['build'] }, () => 1);\n` });
    expect((await rig.exec(['-f', 'dep.ts', 'a'])).stderr).toBe('parproc: proc "a": dependency "build" is not a proc or a proto name (did you mean build::[env]?)\n');
  });

  test('usage errors exit 2: unknown flags, bad numbers, bad modes, flags that do not go together', async () => {
    await using rig = await CliRig.create();
    rig.write({ 'parproc.ts': BASIC });
    for (const [args, msg] of [
      [['--nope'], 'unknown option "--nope"'],
      [['-j', '0'], '--parallel expects a whole number of at least 1'],
      [['-p', 'novalue'], '--param expects key=value'],
      [['--mode', 'thread'], '--mode must be inline, worker or process'],
      [['history', '--limit', 'x'], '--limit expects a whole number'],
      [['-n', '-w'], '--watch and --dry-run do not go together'],
      [['--explain'], '--explain goes with -n (--dry-run)'],
      [['history', 'a', 'b'], 'history: unexpected argument "b" (history takes one NAME)'],
      [['list', 'a', 'b'], 'list: unexpected argument "b" (list takes one PATTERN)'],
      [['init', 'here'], 'init: unexpected argument "here" (init takes no arguments)'],
      [['completion', 'bash', 'zsh'], 'completion: unexpected argument "zsh" (completion takes one SHELL)'],
    ] as const) {
      const r = await rig.exec([...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toContain(msg);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });

  test('Ctrl+C ends every child process, prints Tasks Aborted and exits 130', async () => {
    await using rig = await CliRig.create();
    const marker = `61.${process.pid}${Date.now() % 1000}`;
    rig.write({
      'parproc.ts': `import { proc } from 'parproc';
proc('sleeper', async (ctx) => { await ctx.$\`sleep ${marker} & echo ready-1; wait\`; });
proc('other', async (ctx) => { await ctx.exec(['sh', '-c', 'sleep ${marker} & echo ready-2; wait']); });
proc('never', { deps: ['sleeper'] }, () => 1);
`,
    });
    const child = rig.spawn(['never', 'other', '--json']);
    // Wait until both sleeps are running.
    const out = new StreamReader(child.stdout);
    await out.until((t) => t.includes('ready-1') && t.includes('ready-2'));
    child.kill('SIGINT');
    const [stdout, stderr, code] = await Promise.all([out.rest(), new Response(child.stderr).text(), child.exited]);
    expect(code).toBe(130);
    expect(stderr).toContain('Tasks Aborted');
    expect(processesMatching(`sleep ${marker}`)).toEqual([]);
    const { summary } = parseNdjson(stdout);
    expect(summary.ok).toBe(false);
    // A running proc's interrupt is its error alone (not "interrupted: interrupted"); one that never started says so.
    expect(summary.procs.find((p) => p.name === 'sleeper')).toMatchObject({ state: 'failed', error: 'interrupted', moreInfo: null });
    expect(summary.procs.find((p) => p.name === 'never')).toMatchObject({ state: 'failed', error: 'interrupted', moreInfo: 'interrupted before it started' });
    expect(stderr).toMatch(/^✗ sleeper \d+ms interrupted$/m);
  });
  test('a second Ctrl+C kills what ignores SIGTERM, keeps logs and history, exits 130', async () => {
    await using rig = await CliRig.create();
    const marker = `62.${process.pid}${Date.now() % 1000}`;
    rig.write({
      'parproc.ts': `import { proc } from 'parproc';
proc('quick', () => 'q');
proc('stubborn', { deps: ['quick'] }, async (ctx) => {
  await ctx.exec(['sh', '-c', "trap '' TERM; sleep ${marker} & echo ready-${marker}; wait"]);
});
proc('after', { deps: ['stubborn'] }, () => 1);
`,
    });
    const child = rig.spawn(['after', '--json']);
    const out = new StreamReader(child.stdout);
    await out.until((t) => t.includes(`ready-${marker}`));
    child.kill('SIGINT');
    // The first Ctrl+C is handled: procs not yet started end interrupted (SIGTERM is ignored).
    await out.until((t) => /"name":"after","state":"failed"/.test(t));
    child.kill('SIGINT');
    const code = await child.exited;
    expect(code).toBe(130);
    expect(processesMatching(`sleep ${marker}`)).toEqual([]);
    expect(processesMatching(`sh -c trap '' TERM; sleep ${marker}`)).toEqual([]);
    // Buffered log output and the pending DB batch were written before the exit.
    const log = readFileSync(join(rig.dir, '.parproc', 'logs', 'stubborn.log'), 'utf8');
    expect(log).toContain(`ready-${marker}`);
    const db = new Database(join(rig.dir, '.parproc', 'parproc.db'), { readonly: true });
    const rows = db.query('SELECT proc, status FROM runs').all();
    db.close();
    expect(rows).toContainEqual({ proc: 'quick', status: 'success' });
  });

  test('a second Ctrl+C keeps what a command proc printed to its capture file (no live listener)', async () => {
    await using rig = await CliRig.create();
    const marker = `63.${process.pid}${Date.now() % 1000}`;
    const ready = join(rig.dir, 'ready');
    const termed = join(rig.dir, 'termed');
    // The plain display reads logs from files: the command's output goes to a capture file.
    rig.write({
      'parproc.ts': `import { proc } from 'parproc';
proc('stubborn', ['sh', '-c', "trap 'echo got-term-${marker}; touch ${termed}' TERM; echo ready-${marker}; touch ${ready}; while :; do sleep 0.05; done"]);
`,
    });
    const child = rig.spawn(['stubborn']);
    while (!existsSync(ready)) await Bun.sleep(5);
    // The first Ctrl+C sends SIGTERM, which the command survives after printing a line.
    child.kill('SIGINT');
    while (!existsSync(termed)) await Bun.sleep(5);
    child.kill('SIGINT');
    expect(await child.exited).toBe(130);
    expect(processesMatching(`sh -c trap 'echo got-term-${marker}`)).toEqual([]);
    const log = readFileSync(join(rig.dir, '.parproc', 'logs', 'stubborn.log'), 'utf8');
    // In the order written: the output before the interrupt, the verdict, the rest (read at the forced exit).
    expect(log.indexOf(`ready-${marker}\n`)).toBeGreaterThanOrEqual(0);
    expect(log.indexOf(`ready-${marker}\n`)).toBeLessThan(log.indexOf('Interrupted\n'));
    expect(log.indexOf('Interrupted\n')).toBeLessThan(log.indexOf(`got-term-${marker}\n`));
  });
});

describe('the CLI as users meet it (issue 13)', () => {
  test("global flags before the sub-command: -C dir list, -j 2 run x, -f file run y; run's flags before list", async () => {
    await using rig = await CliRig.create();
    rig.write({ 'sub/parproc.ts': BASIC, 'other.ts': `import { proc } from 'parproc';\nproc('deploy', () => console.log('deployed'));\n` });
    const ls = await rig.exec(['-C', 'sub', 'list']);
    expect(ls.code, ls.stderr).toBe(0);
    expect(ls.stdout).toContain('build::[env]');
    const run = await rig.exec(['-j', '2', '-C', 'sub', 'run', 'b', '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect(parseNdjson(run.stdout).summary.procs.map((p) => p.name).sort()).toEqual(['a', 'b']);
    const other = await rig.exec(['-f', 'other.ts', 'run', 'deploy']);
    expect(other.code, other.stderr).toBe(0);
    expect(other.stdout).toContain('deploy');
    // run's flags before another sub-command are global: accepted there and unused
    // (`alias pp='parproc -j 4 --mode worker'`, then `pp list`).
    for (const words of [['-j', '4', '--mode', 'worker', '-p', 'k=v', '-C', 'sub', 'list'], ['-j4', '--no-db', '-C', 'sub', 'graph', 'b'], ['--fail-fast', '-C', 'sub', 'history']]) {
      const r = await rig.exec(words);
      expect([r.code, r.stderr], words.join(' ')).toEqual([0, '']);
    }
    // After the sub-command, and a flag no command knows, stay errors.
    expect((await rig.exec(['-C', 'sub', 'list', '-j', '4'])).stderr).toBe('parproc: list: unknown option "-j" (see parproc list --help)\n');
    expect((await rig.exec(['-j', '4', '--jsno', '-C', 'sub', 'list'])).stderr).toBe('parproc: list: unknown option "--jsno" (did you mean --json? see parproc list --help)\n');
  });

  test('an invalid arg choice says what is allowed', async () => {
    await using rig = await CliRig.create();
    rig.write({ 'parproc.ts': `import { proto } from 'parproc';\nproto('greet::[who]', { argChoices: { who: ['world', 'bun'] } }, (_c, { who }) => 'hi ' + who);\n` });
    const r = await rig.exec(['greet::nobody']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toMatch(/"who" must be one of world, bun \(did you mean greet::world\?\)$/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  test('-n and list show the filled-out command of command procs; list --json and the --json summary carry commands and outputs', async () => {
    await using rig = await CliRig.create();
    rig.write({
      'parproc.ts': `import { proc, proto } from 'parproc';
proto('bundle::[format]', { argChoices: { format: ['esm', 'cjs'] } }, 'echo bun build src/[format].ts --format [format]');
proc('size', { deps: ['bundle::esm'] }, () => ({ kb: 12 }));
`,
    });
    const dry = await rig.exec(['size', '-n']);
    expect(dry.stdout).toContain('$ echo bun build src/esm.ts --format esm');
    expect((await rig.exec(['list', 'bundle*', '--json'])).code).toBe(0);
    const ls = await rig.exec(['list']);
    expect(ls.stdout).toContain('bundle::esm  $ echo bun build src/esm.ts --format esm');
    const j = JSON.parse((await rig.exec(['list', '--json'])).stdout);
    expect(j.procs.find((p: { name: string }) => p.name === 'bundle::esm').command).toBe('echo bun build src/esm.ts --format esm');
    expect(j.procs.find((p: { name: string }) => p.name === 'size').command).toBeNull();
    const run = await rig.exec(['size', '--json', '--full']);
    expect(parseNdjson(run.stdout).summary.procs.find((p) => p.name === 'size')).toMatchObject({ state: 'succeeded', output: { kb: 12 } });
  });

  test('--fail-fast: after the first failure nothing new starts, running procs finish, exit 1', async () => {
    await using rig = await CliRig.create();
    rig.write({
      'parproc.ts': `import { proc } from 'parproc';
proc('bad', () => { throw new Error('boom'); });
proc('slow', async () => { await Bun.sleep(100); return 'finished'; });
for (let i = 0; i < 5; i++) proc('later' + i, { deps: ['slow'] }, () => i);
`,
    });
    const args = ['bad', 'slow', 'later0', 'later1', 'later2', 'later3', 'later4', '-j', '2', '--json'];
    const keepGoing = parseNdjson((await rig.exec(args)).stdout).summary.procs;
    expect(keepGoing.filter((p) => p.state === 'succeeded').length).toBe(6);
    const r = await rig.exec([...args, '--fail-fast']);
    expect(r.code).toBe(1);
    const procs = parseNdjson(r.stdout).summary.procs;
    expect(procs.find((p) => p.name === 'slow')?.state).toBe('succeeded'); // running: it finished
    expect(procs.filter((p) => p.name.startsWith('later')).every((p) => p.state === 'failed-dep')).toBe(true);
  });

  test('init adds .parproc/ to .gitignore (creating it or appending), never twice; makes a new directory', async () => {
    await using rig = await CliRig.create();
    rig.write({ 'a/x': '', 'b/.gitignore': 'node_modules/' });
    expect((await rig.exec(['init', '-C', 'a'])).code).toBe(0);
    expect(readFileSync(join(rig.dir, 'a', '.gitignore'), 'utf8')).toBe('.parproc/\n');
    expect((await rig.exec(['init', '-C', 'b'])).code).toBe(0);
    expect(readFileSync(join(rig.dir, 'b', '.gitignore'), 'utf8')).toBe('node_modules/\n.parproc/\n');
    rmSync(join(rig.dir, 'b', 'parproc.ts'));
    expect((await rig.exec(['init', '-C', 'b'])).code).toBe(0);
    expect(readFileSync(join(rig.dir, 'b', '.gitignore'), 'utf8')).toBe('node_modules/\n.parproc/\n');
    // A new project's directory is made; a file in its place, or types for a missing one, is one line.
    expect((await rig.exec(['init', '-C', 'new/proj'])).code).toBe(0);
    expect(existsSync(join(rig.dir, 'new', 'proj', 'parproc.ts'))).toBe(true);
    const onFile = await rig.exec(['init', '-C', 'a/x']);
    expect([onFile.code, onFile.stderr]).toEqual([2, expect.stringMatching(/^parproc: init: cannot write .*a\/x\/parproc\.ts: .*\n$/)]);
    const types = await rig.exec(['types', '-C', 'nowhere']);
    expect([types.code, types.stderr]).toEqual([2, 'parproc: types: -C: no such directory: nowhere\n']);
    expect(existsSync(join(rig.dir, 'nowhere'))).toBe(false);
  });

  test('a typo in a literal dep is a definition error at load: run, -n, list and graph exit 2 with "did you mean"', async () => {
    await using rig = await CliRig.create();
    rig.write({ 'parproc.ts': `import { proc, proto } from 'parproc';\nproc('build', () => 1);\nproto('lint::[dir]', () => 2);\nproc('test', { deps: ['biuld', 'lint::src'] }, () => 3);\n` });
    for (const args of [['test'], ['test', '-n'], ['list'], ['graph', 'test']]) {
      const r = await rig.exec(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.trim()).toBe('parproc: proc "test": dependency "biuld" is not a proc or a proto name (did you mean build?)');
    }
  });

  test('a cycle or a higher-wave dep among the targets is one line and exit 2, with no display around it (also with --json)', async () => {
    await using rig = await CliRig.create();
    rig.write({
      'parproc.ts': `import { proc } from 'parproc';
proc('a', { deps: ['b'] }, () => 1);
proc('b', { deps: ['a'] }, () => 1);
proc('low', { deps: ['high'] }, () => 1);
proc('high', { wave: 1 }, () => 1);
`,
    });
    for (const [target, line] of [
      ['a', 'parproc: Dependency cycle: a -> b -> a'],
      ['low', 'parproc: proc "low" (wave 0) cannot depend on proc "high" (wave 1). Dependencies must have equal or lower wave number to avoid deadlock'],
    ] as const) {
      for (const extra of [[], ['--json']]) {
        const r = await rig.exec([target, ...extra]);
        expect(r.code, `${target} ${extra.join(' ')}`).toBe(2);
        expect(r.stdout).toBe('');
        expect(r.stderr).toBe(`${line}\n`);
      }
    }
  });

  test('--stream prints every line of every proc live, prefixed with its name; top-level output unchanged', async () => {
    await using rig = await CliRig.create();
    rig.write({
      'parproc.ts': `import { proc } from 'parproc';
console.log('top level');
proc('a', async () => { console.log('a one'); process.stdout.write('a two, in '); await Bun.sleep(20); console.log('parts'); });
proc('b', ['sh', '-c', 'echo b out; echo b err >&2; printf "no newline"']);
`,
    });
    const r = await rig.exec(['a', 'b', '--stream']);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines).toContain('top level');
    for (const l of ['a | a one', 'a | a two, in parts', 'b | b out', 'b | b err', 'b | no newline']) expect(lines).toContain(l);
    // In event order: a proc's start line, its output, then its end line (after its last partial line).
    const at = (l: string) => lines.findIndex((x) => x.startsWith(l));
    expect(at('▶ a')).toBeLessThan(at('a | a one'));
    expect(at('b | no newline')).toBeLessThan(at('✓ b'));
    expect(at('a | a two, in parts')).toBeLessThan(at('✓ a'));
    // Without --stream, proc output stays in the logs.
    expect((await rig.exec(['a', 'b'])).stdout).not.toContain('a one');
  });

  test('--stream shows a progress counter written over with \\r at its last state, after the prefix; CRLF lines whole', async () => {
    await using rig = await CliRig.create();
    rig.write({
      'parproc.ts': `import { proc } from 'parproc';
proc('p', ['sh', '-c', 'printf "\\\\r20%%"; sleep 0.05; printf "\\\\r60%%\\\\r100%%\\\\n"; printf "crlf line\\\\r\\\\n"; printf "\\\\rlast\\\\r"']);
`,
    });
    const r = await rig.exec(['p', '--stream']);
    expect(r.code, r.stderr).toBe(0);
    // Before, the raw line went out: on a terminal its \r wrote '100%' over the 'p | ' prefix.
    expect(r.stdout).not.toContain('\r');
    const lines = r.stdout.split('\n');
    for (const l of ['p | 100%', 'p | crlf line', 'p | last']) expect(lines).toContain(l);
  });

  test("debug echoes procs' output a whole line at a time, each line prefixed, a partial line before the end line", async () => {
    await using rig = await CliRig.create();
    rig.write({
      'parproc.ts': `import { proc, setOptions } from 'parproc';
setOptions({ debug: true });
proc('multi', ['sh', '-c', 'printf "one\\\\ntwo\\\\nthr"; sleep 0.05; printf "ee\\\\nfour\\\\ntail"']);
proc('fn', () => { process.stdout.write('part-'); console.log('whole'); console.log('a\\nb'); });
`,
    });
    const r = await rig.exec(['multi', 'fn']);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.split('\n');
    // Before, a chunk was echoed as it came: 'two' without its prefix, 'thr' and 'ee' apart.
    for (const l of ['[multi] one', '[multi] two', '[multi] three', '[multi] four', '[fn] part-whole', '[fn] a', '[fn] b']) expect(lines).toContain(l);
    expect(lines.indexOf('[multi] tail')).toBe(lines.findIndex((l) => l.startsWith('✓ multi')) - 1);
  });

  test('--snippets all|failures|none chooses which procs get snippets; the summary names failed procs with their logs', async () => {
    await using rig = await CliRig.create();
    rig.write({
      'parproc.ts': `import { proc } from 'parproc';
proc('green', () => console.log('warning: a deprecated flag'));
proc('red', () => { console.log('error: it broke'); throw new Error('bad'); });
`,
    });
    const run = (flag: string[]) => rig.exec(['green', 'red', ...flag]).then((r) => r.stdout);
    const all = await run([]);
    expect(all).toContain('warning: a deprecated flag');
    expect(all).toContain('error: it broke');
    const failures = await run(['--snippets', 'failures']);
    expect(failures).not.toContain('warning: a deprecated flag');
    expect(failures).toContain('error: it broke');
    const none = await run(['--snippets', 'none']);
    expect(none).not.toContain('warning: a deprecated flag');
    expect(none).not.toContain('error: it broke');
    expect(none).toContain(`  ✗ red  ${join(rig.dir, '.parproc', 'logs', 'red.log')}`);
    const bad = await rig.exec(['green', '--snippets', 'some']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--snippets must be all, failures or none');
  });

  test('the summary names the critical path of the run (display and --json)', async () => {
    await using rig = await CliRig.create();
    rig.write({
      'parproc.ts': `import { proc } from 'parproc';
proc('quick', () => 1);
proc('c1', () => Bun.sleep(30));
proc('c2', { deps: ['c1'] }, () => Bun.sleep(30));
proc('c3', { deps: ['c2', 'quick'] }, () => Bun.sleep(30));
`,
    });
    const human = await rig.exec(['c3']);
    expect(human.stdout).toMatch(/critical path: c1 \d+ms → c2 \d+ms → c3 \d+ms/);
    const { summary } = parseNdjson((await rig.exec(['c3', '--json', '--full'])).stdout) as unknown as { summary: { criticalPath: { name: string; durationMs: number }[] } };
    expect(summary.criticalPath.map((p) => p.name)).toEqual(['c1', 'c2', 'c3']);
    expect(summary.criticalPath.every((p) => p.durationMs >= 25)).toBe(true);
  });

  test('log file names are readable: test::main.log', async () => {
    await using rig = await CliRig.create();
    rig.write({ 'parproc.ts': `import { proc } from 'parproc';\nproc('test::main', () => console.log('ran'));\n` });
    expect((await rig.exec(['test::main'])).code).toBe(0);
    expect(readFileSync(join(rig.dir, '.parproc', 'logs', 'test::main.log'), 'utf8')).toBe('ran\n');
  });
});

describe('parproc list, graph, init, help, version', () => {
  test('list (ls) with a pattern and --json', async () => {
    await using rig = await CliRig.create();
    rig.write({ 'parproc.ts': BASIC });
    const r = await rig.exec(['list']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('b  needs a ← a');
    expect(r.stdout).toContain('build::[env]  build one env (env: dev|prod)');
    const ls = await rig.exec(['ls', 'b*']);
    expect(ls.stdout).not.toContain('  a ');
    expect(ls.stdout).toContain('build::[env]');
    // A pattern that matches nothing says so (the task file does define procs).
    expect((await rig.exec(['ls', 'zz*'])).stdout).toBe('No procs or protos match "zz*".\n');
    const j = JSON.parse((await rig.exec(['list', '--json'])).stdout);
    expect(j.procs.map((p: { name: string }) => p.name)).toEqual(['a', 'b']);
    expect(j.protos).toEqual([{ pattern: 'build::[env]', params: ['env'], description: 'build one env', deps: [], argChoices: { env: ['dev', 'prod'] } }]);
  });

  test('list lines up what follows the names, whatever each proc shows', async () => {
    await using rig = await CliRig.create();
    rig.write({ 'parproc.ts': `import { proc, proto } from 'parproc';
proc('gen', () => 1);
proc('lint', 'echo linting');
proc('b', { deps: ['gen'] }, () => 2);
proto('p::[x]', { argChoices: { x: ['1'] } }, () => 3);
proto('q::[xy]', () => 4);
` });
    expect((await rig.exec(['run', 'b'])).code).toBe(0);
    const lines = (await rig.exec(['list'])).stdout.split('\n');
    // Where the text after a name starts: the same column for a duration, a command and deps.
    const column = (name: string) => {
      const after = (lines.find((l) => l.startsWith(`  ${name} `)) ?? '').slice(2 + name.length);
      return 2 + name.length + after.length - after.trimStart().length;
    };
    expect(column('gen')).toBe(8);
    expect([column('lint'), column('b')]).toEqual([8, 8]);
    expect(lines).toContain('  p::[x]   (x: 1)');
  });

  test('graph --format mermaid|dot|json for the targets', async () => {
    await using rig = await CliRig.create();
    rig.write({ 'parproc.ts': BASIC });
    const m = await rig.exec(['graph', 'b']);
    expect(m.stdout).toBe('graph TD\n  n0["a"]\n  n1["b"]\n  n0 --> n1\n');
    const j = JSON.parse((await rig.exec(['graph', 'b', 'build::*', '--format', 'json'])).stdout);
    expect(j.edges).toEqual([{ from: 'a', to: 'b' }]);
    expect(j.nodes.map((n: { name: string }) => n.name).sort()).toEqual(['a', 'b', 'build::dev', 'build::prod']);
    const d = await rig.exec(['graph', 'b', '--format', 'dot']);
    expect(d.stdout).toContain('"a" -> "b";');
    // Graphviz (compiled to WebAssembly, a devDependency: no system `dot` needed) renders it, and
    // rejects what is not DOT.
    const graphviz = await Graphviz.load();
    expect(graphviz.dot(d.stdout)).toContain('<svg');
    expect(() => graphviz.dot('digraph { "a" -> ')).toThrow(/syntax error/);
    const bad = await rig.exec(['graph', '--format', 'png']);
    expect(bad.code).toBe(2);
  });

  test('init writes a starter that runs as is, and never overwrites', async () => {
    await using rig = await CliRig.create();
    const i = await rig.exec(['init']);
    expect(i.code).toBe(0);
    const r = await rig.exec(['--json']);
    expect(r.code).toBe(0);
    expect(parseNdjson(r.stdout).summary.procs.map((p) => p.name).sort()).toEqual(['default', 'greet::bun', 'greet::world', 'hello']);
    const again = await rig.exec(['init']);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('already exists');
  });

  test('--help for every command, and --version', async () => {
    await using rig = await CliRig.create();
    const top = await rig.exec(['--help']);
    expect(top.code).toBe(0);
    expect(top.stdout).toContain('Usage: parproc [command]');
    for (const cmd of ['run', 'list', 'ls', 'graph', 'init', 'history', 'clean', 'types', 'completion']) {
      const h = await rig.exec([cmd, '--help']);
      expect(h.code).toBe(0);
      expect(h.stdout.length).toBeGreaterThan(20);
      // No line padded with blanks to the widest (they wrap a narrow terminal).
      expect(h.stdout.split('\n').filter((l) => / $/.test(l)), cmd).toEqual([]);
    }
    expect((await rig.exec(['run', '--help'])).stdout).toContain('--dry-run');
    const v = await rig.exec(['--version']);
    expect(v.stdout.trim()).toBe((await Bun.file(join(import.meta.dir, '..', '..', 'package.json')).json()).version);
  });
});
