import { describe, expect, test, setDefaultTimeout } from 'bun:test';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CliRig, parseNdjson } from '../helpers/cli-rig.ts';

setDefaultTimeout(30_000);

const TASKS = `
import { proc } from 'parproc';
import { writeFileSync } from 'node:fs';
proc('gen', { inputs: ['src/*.txt'], outputs: ['out/gen.txt'] }, () => { writeFileSync('out/gen.txt', 'x'); console.log('wrote out/gen.txt'); return 'generated'; });
proc('use', { deps: ['gen'] }, (ctx) => ctx.results.gen + ' and used');
proc('default', { deps: ['use'] }, () => 'ok');
`;

const states = (stdout: string) => Object.fromEntries(parseNdjson(stdout).summary.procs.map((p) => [p.name, p.state]));

describe('CLI and the task DB', () => {
  test('the default DB beside the task file makes the second run up to date; --full and --no-db run everything', async () => {
    await using rig = await CliRig.create();
    rig.write({ 'parproc.ts': TASKS, 'src/a.txt': 'a', 'out/.keep': '' });
    expect(states((await rig.exec(['--json'])).stdout)).toEqual({ default: 'succeeded', use: 'succeeded', gen: 'succeeded' });
    expect(existsSync(join(rig.dir, '.parproc', 'parproc.db'))).toBe(true);
    const second = await rig.exec(['--json']);
    expect(second.code).toBe(0);
    expect(states(second.stdout)).toEqual({ default: 'up-to-date', use: 'up-to-date', gen: 'up-to-date' });
    expect(states((await rig.exec(['--full', '--json'])).stdout).gen).toBe('succeeded');
    expect(states((await rig.exec(['--no-db', '--json'])).stdout).gen).toBe('succeeded');
    const other = await rig.exec(['--db', 'elsewhere.db', '--json']);
    expect(states(other.stdout).gen).toBe('succeeded');
    expect(existsSync(join(rig.dir, 'elsewhere.db'))).toBe(true);
  });

  test('a no-op rebuild writes nothing to the task DB', async () => {
    await using rig = await CliRig.create();
    rig.write({ 'parproc.ts': TASKS, 'src/a.txt': 'a', 'out/.keep': '' });
    expect((await rig.exec([])).code).toBe(0);
    const db = join(rig.dir, '.parproc', 'parproc.db');
    const files = () => [db, `${db}-wal`].map((f) => (existsSync(f) ? readFileSync(f).toString('base64') : null));
    const before = files();
    const second = await rig.exec(['--json']);
    expect(states(second.stdout)).toEqual({ default: 'up-to-date', use: 'up-to-date', gen: 'up-to-date' });
    expect(files()).toEqual(before);
  });

  test('-n says for each proc whether it would run or is up to date, and why', async () => {
    await using rig = await CliRig.create();
    rig.write({ 'parproc.ts': TASKS, 'src/a.txt': 'a', 'out/.keep': '' });
    expect((await rig.exec(['-n'])).stdout).toBe(
      'Dry run, in start order (nothing was run):\n  run         gen  (no cached result)\n  run         use  (dep gen ran)\n  run         default  (dep use ran)\nExpected total: unknown (no history yet)\n',
    );
    expect(existsSync(join(rig.dir, 'out', 'gen.txt'))).toBe(false);
    await rig.exec([]);
    expect((await rig.exec(['-n'])).stdout).toBe('Dry run, in start order (nothing was run):\n  up-to-date  gen\n  up-to-date  use\n  up-to-date  default\n');
    writeFileSync(join(rig.dir, 'src', 'b.txt'), 'b');
    expect((await rig.exec(['-n'])).stdout).toContain('  run         gen  (input added: src/b.txt)\n');
    expect((await rig.exec(['-n', 'gen'])).stdout).toMatch(/^Dry run, in start order \(nothing was run\):\n  run         gen  \(input added: src\/b\.txt\)\nExpected total: \d+ms on 1 slot\n$/);
    // With --json, stdout is JSON lines: one per proc in start order, a summary last; the text on stderr.
    const j = await rig.exec(['-n', '--json']);
    const lines = j.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.slice(0, -1)).toEqual([
      { type: 'dry-run', name: 'gen', action: 'run', reason: 'input added: src/b.txt', command: null },
      { type: 'dry-run', name: 'use', action: 'run', reason: 'dep gen ran', command: null },
      { type: 'dry-run', name: 'default', action: 'run', reason: 'dep use ran', command: null },
    ]);
    expect(lines.at(-1)).toMatchObject({ type: 'summary', ok: true, dryRun: true, procs: [{ name: 'gen', action: 'run' }, { name: 'use', action: 'run' }, { name: 'default', action: 'run' }] });
    expect(typeof lines.at(-1).expectedMs).toBe('number');
    expect(j.stderr).toContain('Dry run, in start order');
  });

  test("editing a workspace package the task file imports (node_modules/@acme/util linked to packages/util) reruns its function procs", async () => {
    // Its modules are the project's code, as the task file's helpers are: before, it counted as an
    // installed package, and the proc stayed up to date with a result the new code would not give.
    await using rig = await CliRig.create();
    rig.write({
      'package.json': '{ "name": "root", "private": true, "workspaces": ["packages/*"] }',
      'packages/util/package.json': '{ "name": "@acme/util", "type": "module", "main": "src/index.ts" }',
      'packages/util/src/index.ts': "export { twice } from './twice.ts';\n",
      'packages/util/src/twice.ts': 'export const twice = (n: number): number => n * 2;\n',
      'in.txt': 'x',
      'parproc.ts': `import { proc } from 'parproc';\nimport { twice } from '@acme/util';\nproc('default', { inputs: ['in.txt'] }, () => twice(21));\n`,
    });
    mkdirSync(join(rig.dir, 'node_modules', '@acme'), { recursive: true });
    symlinkSync('../../packages/util', join(rig.dir, 'node_modules', '@acme', 'util'));
    expect(parseNdjson((await rig.exec(['--json'])).stdout).summary.procs[0]).toMatchObject({ state: 'succeeded', output: 42 });
    expect(states((await rig.exec(['--json'])).stdout)).toEqual({ default: 'up-to-date' });
    rig.write({ 'packages/util/src/twice.ts': 'export const twice = (n: number): number => n * 3;\n' });
    expect((await rig.exec(['-n'])).stdout).toContain('  run         default  (definition changed)\n');
    expect(parseNdjson((await rig.exec(['--json'])).stdout).summary.procs[0]).toMatchObject({ state: 'succeeded', output: 63 });
  });

  test('editing a module the task file imports from outside its directory (../lib) reruns its function procs', async () => {
    await using rig = await CliRig.create();
    rig.write({
      'lib/helper.ts': 'export const v = 1;\n',
      'tools/in.txt': 'x',
      'tools/parproc.ts': `import { proc } from 'parproc';\nimport { v } from '../lib/helper.ts';\nproc('default', { inputs: ['in.txt'] }, () => v);\n`,
    });
    const at = ['-C', 'tools'];
    expect(parseNdjson((await rig.exec([...at, '--json'])).stdout).summary.procs[0]).toMatchObject({ state: 'succeeded', output: 1 });
    expect(states((await rig.exec([...at, '--json'])).stdout)).toEqual({ default: 'up-to-date' });
    rig.write({ 'lib/helper.ts': 'export const v = 2;\n' });
    expect((await rig.exec([...at, '-n'])).stdout).toContain('  run         default  (definition changed)\n');
    expect(parseNdjson((await rig.exec([...at, '--json'])).stdout).summary.procs[0]).toMatchObject({ state: 'succeeded', output: 2 });
  });

  test('--json with nothing to run: the list on stderr, a summary line on stdout', async () => {
    await using rig = await CliRig.create();
    rig.write({ 'parproc.ts': `import { proc } from 'parproc';\nproc('a', () => 1);\n` });
    const r = await rig.exec(['--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ type: 'summary', ok: true, procs: [] });
    expect(r.stderr).toContain('Procs');
  });

  test('history shows runs and expected durations; --limit and --json', async () => {
    await using rig = await CliRig.create();
    rig.write({ 'parproc.ts': TASKS, 'src/a.txt': 'a', 'out/.keep': '' });
    await rig.exec(['--full']);
    await rig.exec(['--full']);
    const h = await rig.exec(['history']);
    expect(h.code).toBe(0);
    expect(h.stdout).toContain('Runs (newest first)');
    expect(h.stdout).toContain('Expected duration');
    expect(h.stdout.match(/ success/g)?.length).toBe(6);
    // People read local time (TZ here is the test's own); --json keeps ISO-8601 in UTC.
    const local = await rig.exec(['history', 'gen', '--limit', '1'], { env: { TZ: 'Asia/Kolkata' } });
    const utc = JSON.parse((await rig.exec(['history', 'gen', '--json', '--limit', '1'], { env: { TZ: 'Asia/Kolkata' } })).stdout)[0].startedAt as string;
    const shifted = new Date(Date.parse(utc) + 5.5 * 3600_000).toISOString().replace('T', ' ').slice(0, 19);
    expect(local.stdout).toContain(`  ${shifted}  gen`);
    const j = JSON.parse((await rig.exec(['history', 'gen', '--json', '--limit', '1'])).stdout);
    expect(j).toHaveLength(1);
    expect(Object.keys(j[0]).sort()).toEqual(['durationMs', 'endedAt', 'expectedMs', 'name', 'runId', 'startedAt', 'status']);
    // The expected duration is the weighted mean of recent successful runs, as the progress bars use.
    expect(typeof j[0].expectedMs).toBe('number');
    expect(j[0]).toMatchObject({ name: 'gen', status: 'success' });
    expect(new Date(j[0].startedAt).toISOString()).toBe(j[0].startedAt);
  });

  test('list shows the last duration of procs that ran, and never creates a DB', async () => {
    await using rig = await CliRig.create();
    rig.write({ 'parproc.ts': TASKS, 'src/a.txt': 'a', 'out/.keep': '' });
    const before = JSON.parse((await rig.exec(['list', '--json'])).stdout);
    expect(before.procs.every((p: { lastDurationMs: null }) => p.lastDurationMs === null)).toBe(true);
    expect(existsSync(join(rig.dir, '.parproc', 'parproc.db'))).toBe(false);
    await rig.exec([]);
    const after = JSON.parse((await rig.exec(['list', '--json'])).stdout);
    expect(after.procs.map((p: { lastDurationMs: number }) => typeof p.lastDurationMs)).toEqual(['number', 'number', 'number']);
    expect((await rig.exec(['list'])).stdout).toMatch(/gen +\(last \d+ms\)/);
  });

  test('history and clean never create a task DB: a fresh project, or a --db that names none (a typo)', async () => {
    await using rig = await CliRig.create();
    rig.write({ 'parproc.ts': TASKS });
    expect((await rig.exec(['history'])).stdout).toBe('No recorded runs.\n');
    expect((await rig.exec(['history', 'gen', '--json'])).stdout).toBe('[]\n');
    expect((await rig.exec(['clean'])).stdout).toBe('Forgot 0 cached results.\n');
    const typo = await rig.exec(['history', '--db', 'typo.db']);
    expect([typo.code, typo.stdout, typo.stderr]).toEqual([0, 'No recorded runs.\n', `parproc: no task DB at ${join(rig.dir, 'typo.db')}\n`]);
    expect((await rig.exec(['clean', '--db', 'typo.db'])).stdout).toBe('Forgot 0 cached results.\n');
    // Before, each made .parproc/parproc.db (or typo.db) with its WAL files.
    expect(readdirSync(rig.dir).sort()).toEqual(['parproc.ts']);
  });

  test('clean forgets cached results (by name or all); --logs deletes logs', async () => {
    await using rig = await CliRig.create();
    rig.write({ 'parproc.ts': TASKS, 'src/a.txt': 'a', 'out/.keep': '' });
    await rig.exec([]);
    const one = await rig.exec(['clean', 'gen']);
    expect(one.stdout).toBe('Forgot 1 cached result.\n');
    expect(one.stderr).toBe('');
    // A name with nothing cached is named (a typo should not pass for a clean), with the closest cached one.
    const typo = await rig.exec(['clean', 'uze', 'nope']);
    expect(typo.code).toBe(0);
    expect(typo.stdout).toBe('Forgot 0 cached results.\n');
    expect(typo.stderr).toBe('parproc: nothing was cached for "uze" (did you mean "use"?)\nparproc: nothing was cached for "nope"\n');
    expect(states((await rig.exec(['--json'])).stdout)).toEqual({ default: 'succeeded', use: 'succeeded', gen: 'succeeded' });
    expect(existsSync(join(rig.dir, '.parproc', 'logs', 'gen.log'))).toBe(true);
    const logs = readdirSync(join(rig.dir, '.parproc', 'logs')).filter((f) => f.endsWith('.log'));
    const all = await rig.exec(['clean', '--logs']);
    expect(all.stdout).toBe(`Forgot 3 cached results; removed ${logs.length} log${logs.length === 1 ? '' : 's'}.\n`);
    expect(readdirSync(join(rig.dir, '.parproc', 'logs')).filter((f) => f.endsWith('.log'))).toEqual([]);
    expect(states((await rig.exec(['--json'])).stdout).gen).toBe('succeeded');
  });

  test("history and clean use the task DB and log dir the task file sets; clean --logs removes log files only", async () => {
    await using rig = await CliRig.create();
    rig.write({
      'parproc.ts': `import { proc, setOptions } from 'parproc';
setOptions({ taskDbPath: 'custom.db', logDir: 'build' });
console.log('top-level output');
proc('gen', { inputs: ['parproc.ts'] }, () => { console.log('generating'); return 1; });
`,
      'build/keep.txt': 'not a log',
      'sub/.keep': '',
    });
    expect((await rig.exec(['gen'])).code).toBe(0);
    const h = await rig.exec(['-C', 'sub', 'history', '--json']);
    expect(h.stderr).toBe('top-level output\n');
    expect(JSON.parse(h.stdout).map((r: { name: string }) => r.name)).toEqual(['gen']);
    expect((await rig.exec(['clean', '--logs'])).stdout).toBe('Forgot 1 cached result; removed 1 log.\n');
    expect(readdirSync(join(rig.dir, 'build'))).toEqual(['keep.txt']);
    expect(existsSync(join(rig.dir, '.parproc', 'parproc.db'))).toBe(false);
    rig.write({ 'parproc.ts': `import { setOptions } from 'parproc';\nsetOptions({ taskDbPath: null });\n` });
    const off = await rig.exec(['history']);
    expect([off.code, off.stderr]).toEqual([2, 'parproc: the task file turns the task DB off (taskDbPath: null): no runs are recorded (--db names one to read)\n']);
    expect(JSON.parse((await rig.exec(['history', '--db', 'custom.db', '--json'])).stdout)).toHaveLength(1);
    // With --db, history and clean need no task file (somewhere none is found).
    const elsewhere = mkdtempSync(join(tmpdir(), 'parproc-notask-'));
    try {
      const db = join(rig.dir, 'custom.db');
      expect(JSON.parse((await rig.exec(['-C', elsewhere, 'history', '--db', db, '--json'])).stdout)).toHaveLength(1);
      expect((await rig.exec(['-C', elsewhere, 'clean', '--db', db])).stdout).toBe('Forgot 0 cached results.\n');
      const logs = await rig.exec(['-C', elsewhere, 'clean', '--db', db, '--logs']);
      expect([logs.code, logs.stderr]).toEqual([2, 'parproc: clean --logs needs the task file, to know where its logs are (none found here)\n']);
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });

  test("clean and history take globs ('build::*'): the results and, with --logs, the logs of the procs they match; their runs", async () => {
    await using rig = await CliRig.create();
    rig.write({
      'parproc.ts': `import { proc, proto } from 'parproc';
proto('build::[env]', { argChoices: { env: ['dev', 'prod'] }, inputs: ['parproc.ts'] }, (ctx, a) => { console.log('building', a.env); return a.env; });
proc('lint', { inputs: ['parproc.ts'] }, () => { console.log('linting'); return 1; });
`,
    });
    await rig.exec(['build::*', 'lint']);
    const r = await rig.exec(['clean', 'build::*', 'zz*', '--logs']);
    expect(r.stdout).toBe('Forgot 2 cached results; removed 2 logs.\n');
    expect(r.stderr).toBe('parproc: nothing was cached for "zz*"\n');
    const logs = join(rig.dir, '.parproc', 'logs');
    expect([existsSync(join(logs, 'build::dev.log')), existsSync(join(logs, 'build::prod.log')), existsSync(join(logs, 'lint.log'))]).toEqual([false, false, true]);
    expect(states((await rig.exec(['build::*', 'lint', '--json'])).stdout)).toEqual({ 'build::dev': 'succeeded', 'build::prod': 'succeeded', lint: 'up-to-date' });
    // history takes the same globs.
    const h = JSON.parse((await rig.exec(['history', 'build::*', '--json'])).stdout) as { name: string }[];
    expect([...new Set(h.map((r) => r.name))].sort()).toEqual(['build::dev', 'build::prod']);
    expect(h).toHaveLength(4);
  });

  test('history lists an expected duration for every proc it shows (– without a successful run)', async () => {
    await using rig = await CliRig.create();
    rig.write({ 'parproc.ts': `import { proc } from 'parproc';\nproc('good', () => 1);\nproc('bad', () => { throw new Error('x'); });\n` });
    await rig.exec(['good', 'bad']);
    // A name with no runs, close to one with runs: a typo, most likely.
    expect((await rig.exec(['history', 'godo'])).stdout).toBe('No recorded runs of godo (did you mean good?).\n');
    expect((await rig.exec(['history', 'zzz'])).stdout).toBe('No recorded runs of zzz.\n');
    const h = (await rig.exec(['history'])).stdout;
    const expected = h.slice(h.indexOf('Expected duration'));
    expect(expected).toMatch(/\n  good\s+\d+ms\n/);
    expect(expected).toMatch(/\n  bad\s+– \(no successful run\)\n/);
  });

  test('-n prints the planned order (from history: the critical path first) and the expected total time', async () => {
    await using rig = await CliRig.create();
    rig.write({
      'parproc.ts': `import { proc } from 'parproc';
for (let i = 0; i < 4; i++) proc('s' + i, () => Bun.sleep(30));
proc('c1', () => Bun.sleep(80));
proc('c2', { deps: ['c1'] }, () => Bun.sleep(80));
proc('default', { deps: ['s0', 's1', 's2', 's3', 'c2'] }, () => 1);
`,
    });
    const before = (await rig.exec(['-n', '-j', '2'])).stdout;
    expect(before).toContain('Expected total: unknown (no history yet)');
    expect(before.indexOf('run         s0')).toBeLessThan(before.indexOf('run         c1'));
    await rig.exec(['-j', '2']);
    const after = (await rig.exec(['-n', '-j', '2', '--full'])).stdout;
    expect(after.indexOf('run         c1')).toBeLessThan(after.indexOf('run         s0'));
    expect(after).toMatch(/Expected total: \d+ms on 2 slots\n$/);
  });

  test('two CLI runs in parallel on one DB both succeed and both are recorded', async () => {
    await using rig = await CliRig.create();
    rig.write({
      'parproc.ts': `import { proc } from 'parproc';\nfor (let i = 0; i < 300; i++) proc('p' + i, { deps: [] }, () => i);\nproc('default', { deps: [...Array(300).keys()].map((i) => 'p' + i) }, () => 1);\n`,
    });
    const [a, b] = await Promise.all([rig.exec(['--full', '--json']), rig.exec(['--full', '--json'])]);
    expect([a.code, b.code]).toEqual([0, 0]);
    // No warning of either kind: printed by parproc, or an event (the display shows those with ⚠).
    expect(a.stderr + b.stderr).not.toContain('warning');
    expect(a.stderr + b.stderr).not.toContain('⚠');
    expect([...parseNdjson(a.stdout).events, ...parseNdjson(b.stdout).events].filter((e) => e.type === 'warning')).toEqual([]);
    const h = JSON.parse((await rig.exec(['history', 'default', '--json'])).stdout);
    expect(h).toHaveLength(2);
    expect(new Set(h.map((r: { runId: string }) => r.runId)).size).toBe(2);
  });

  test('a corrupt DB: one warning, kept aside, a new one made; history warns too', async () => {
    await using rig = await CliRig.create();
    rig.write({ 'parproc.ts': TASKS, 'src/a.txt': 'a', 'out/.keep': '', '.parproc/parproc.db': 'garbage'.repeat(1000) });
    const r = await rig.exec([]);
    expect(r.code).toBe(0);
    expect(r.stdout.match(/⚠ task DB .* was damaged \(file is not a database\); kept it as .*parproc\.db\.damaged-.* and started a new one/g)).toHaveLength(1);
    const again = await rig.exec([]);
    expect([again.code, again.stdout.includes('⚠')]).toEqual([0, false]);
    rig.write({ '.parproc/parproc.db': 'garbage'.repeat(1000) });
    const h = await rig.exec(['history']);
    expect([h.code, h.stderr]).toEqual([0, expect.stringMatching(/^⚠ task DB .* was damaged .*\n$/)]);
    expect(readdirSync(join(rig.dir, '.parproc')).filter((f) => /^parproc\.db\.damaged-[^.]*Z$/.test(f))).toHaveLength(2);
    // Damaged pages under a good header: history is one warning, not an internal error.
    for (let i = 0; i < 3; i++) expect((await rig.exec(['--full'])).code).toBe(0);
    const db = join(rig.dir, '.parproc', 'parproc.db');
    const bytes = readFileSync(db);
    for (let at = 4096; at < bytes.length; at++) bytes[at] = 0x5a;
    writeFileSync(db, bytes);
    const broken = await rig.exec(['history']);
    expect([broken.code, broken.stdout, broken.stderr]).toEqual([0, 'No recorded runs.\n', expect.stringMatching(/^⚠ task DB .* is damaged \(.*\); running without it, and the next run starts a new one .*\n$/)]);
    expect((await rig.exec(['history'])).stderr).toBe('');
  });

  test('a file where a directory should be: --db, --trace and -f get one clear line each, never an internal error', async () => {
    await using rig = await CliRig.create();
    rig.write({ 'parproc.ts': TASKS, 'src/a.txt': 'a', 'out/.keep': '', afile: '' });
    const db = await rig.exec(['--db', 'afile/x.db', '--trace', 'afile/t.json']);
    expect(db.code).toBe(0);
    expect(db.stderr).not.toContain('internal error');
    const afile = join(rig.dir, 'afile');
    expect(db.stdout).toContain(`⚠ task DB ${afile}/x.db is unusable (${afile} is a file, not a directory (EEXIST)); running without cache`);
    expect(db.stdout).toContain('could not write the trace to afile/t.json: afile is a file, not a directory (EEXIST)');
    expect(db.stdout).toContain('3 succeeded');
    const f = await rig.exec(['-f', 'afile/parproc.ts']);
    expect(f.code).toBe(2);
    expect(f.stderr.trim()).toBe('parproc: task file not found: afile/parproc.ts');
  });
});
