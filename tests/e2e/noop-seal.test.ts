// The no-op seal (issue 11, cli/noop-seal.ts): a repeated no-op `run` answers from what the last
// one found, without loading the task file — and every change the answer rests on turns it away.
// Real CLI, real files; PARPROC_DEBUG_SEAL=1 makes the CLI say whether it wrote or replayed one.
import { describe, expect, test, setDefaultTimeout } from 'bun:test';
import { existsSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CliRig } from '../helpers/cli-rig.ts';

setDefaultTimeout(30_000);

const DEBUG = { PARPROC_DEBUG_SEAL: '1' };

/** Three copy procs (input → output) and a default needing them; `extra` goes at the top. */
const copies = (extra = '') => `import { proc } from 'parproc';
import { copyFileSync } from 'node:fs';
${extra}
const all = ['a', 'b', 'c'].map((n) => proc('copy-' + n, { inputs: ['src/' + n + '.txt'], outputs: ['out/' + n + '.txt'] }, () => copyFileSync('src/' + n + '.txt', 'out/' + n + '.txt')));
proc('default', { deps: all }, () => null);
`;

async function project(taskFile = copies(), files: Record<string, string> = {}): Promise<CliRig> {
  const rig = await CliRig.create();
  rig.write({ 'parproc.ts': taskFile, 'src/a.txt': 'A', 'src/b.txt': 'B', 'src/c.txt': 'C', 'out/.keep': '', ...files });
  return rig;
}

/** Runs, and says which way the run went: `replayed`, `written` (a full no-op that sealed), or `full`. */
async function run(rig: CliRig, args: string[] = [], env: Record<string, string> = {}) {
  const r = await rig.exec(args, { env: { ...DEBUG, ...env } });
  const way = r.stderr.includes('seal replayed') ? 'replayed' : r.stderr.includes('seal written') ? 'written' : 'full';
  const why = /seal not written: (.*)/.exec(r.stderr)?.[1] ?? null;
  return { ...r, way, why, ran: [...r.stdout.matchAll(/^✓ (\S+)/gm)].map((m) => m[1]) };
}

/** Built once, then one no-op that writes the seal. */
async function sealed(rig: CliRig, args: string[] = []) {
  const built = await run(rig, args);
  expect(built.code).toBe(0);
  expect(built.why).toBe('copy-a running');
  const noop = await run(rig, args);
  expect(`${noop.way} ${noop.why}`).toBe('written null');
  return noop;
}

/** The output with the run's time taken out. */
const untimed = (s: string) => s.replace(/Done in \d+(\.\d+)?m?s/, 'Done in T');

describe('the no-op seal', () => {
  test('a repeated no-op prints what the full one printed, without loading the task file or touching the task DB', async () => {
    await using rig = await project();
    const noop = await sealed(rig);
    expect(noop.stdout).toContain('↷ copy-a');
    expect(noop.stdout).toContain('4 up to date');
    const db = join(rig.dir, '.parproc', 'parproc.db');
    const dbBefore = statSync(db).mtimeMs;
    const walBefore = statSync(`${db}-wal`).mtimeMs;
    const again = await run(rig);
    expect(again.code).toBe(0);
    expect(again.way).toBe('replayed');
    expect(untimed(again.stdout)).toBe(untimed(noop.stdout));
    expect(statSync(db).mtimeMs).toBe(dbBefore);
    expect(statSync(`${db}-wal`).size).toBe(0); // the WAL stays between runs, empty
    expect(statSync(`${db}-wal`).mtimeMs).toBe(walBefore);
    // A replay writes nothing: the seal stays as it was, and replays again.
    expect((await run(rig)).way).toBe('replayed');
  });

  test('a changed input, a missing output, or a new input file: the proc runs, as without the seal', async () => {
    await using rig = await project();
    await sealed(rig);
    rig.write({ 'src/b.txt': 'B2' });
    const changed = await run(rig);
    expect(changed.way).not.toBe('replayed');
    expect(changed.ran).toEqual(['copy-b', 'default']);
    expect((await run(rig)).way).toBe('written'); // the next no-op seals again
    expect((await run(rig)).way).toBe('replayed');
    rmSync(join(rig.dir, 'out', 'c.txt'));
    const missing = await run(rig);
    expect(missing.way).not.toBe('replayed');
    expect(missing.ran).toContain('copy-c');
  });

  test('a directory input: a file changed or added deep under it runs the proc; such a run is never sealed', async () => {
    await using rig = await project(`import { proc } from 'parproc';\nproc('default', { inputs: ['src'] }, (ctx) => Object.keys(ctx.inputFingerprint ?? {}).length);\n`, { 'src/deep/d.txt': 'D' });
    expect((await run(rig)).ran).toEqual(['default']);
    const noop = await run(rig);
    expect([noop.way, noop.ran]).toEqual(['full', []]);
    rig.write({ 'src/deep/d.txt': 'D2' });
    expect((await run(rig)).ran).toEqual(['default']);
    expect((await run(rig)).ran).toEqual([]);
    rig.write({ 'src/deep/er/e.txt': 'E' });
    const added = await run(rig, ['--json']);
    expect(added.stdout).toContain('"output":5');
  });

  test('an input touched back to its old time but with other content still counts (size), and a same-size edit with a new mtime too', async () => {
    await using rig = await project();
    await sealed(rig);
    const a = join(rig.dir, 'src', 'a.txt');
    const { atime, mtime } = statSync(a);
    writeFileSync(a, 'AA');
    utimesSync(a, atime, mtime);
    expect((await run(rig)).ran).toContain('copy-a');
  });

  test("with fingerprint: 'hash' too: a touched but unchanged input is checked in full (and stays up to date), an edited one runs", async () => {
    await using rig = await project(copies("setOptions({ fingerprint: 'hash' });").replace("import { proc } from 'parproc';", "import { proc, setOptions } from 'parproc';"));
    await sealed(rig);
    expect((await run(rig)).way).toBe('replayed');
    const a = join(rig.dir, 'src', 'a.txt');
    const later = new Date(statSync(a).mtimeMs + 5000);
    utimesSync(a, later, later);
    const touched = await run(rig);
    expect(touched.way).not.toBe('replayed');
    expect(touched.ran).toEqual([]);
    expect(touched.stdout).toContain('4 up to date');
    rig.write({ 'src/b.txt': 'B2' });
    expect((await run(rig)).ran).toEqual(['copy-b', 'default']);
  });

  test('editing the task file, a module it imports, or a file it read while loading reloads it', async () => {
    await using rig = await project(
      `import { proc } from 'parproc';
import { readFileSync } from 'node:fs';
import { names } from './names.ts';
const extra = JSON.parse(readFileSync('extra.json', 'utf8'));
const all = [...names, ...extra].map((n) => proc('make-' + n, { inputs: ['src/a.txt'], outputs: ['out/' + n] }, () => Bun.write('out/' + n, n)));
proc('default', { deps: all }, () => null);
`,
      { 'names.ts': "export const names = ['x'];\n", 'extra.json': '["y"]' },
    );
    const built = await run(rig);
    expect(built.ran).toEqual(['make-x', 'make-y', 'default']);
    expect((await run(rig)).way).toBe('written');
    expect((await run(rig)).way).toBe('replayed');
    rig.write({ 'extra.json': '["y", "z"]' });
    const read = await run(rig);
    expect(read.way).not.toBe('replayed');
    expect(read.ran).toEqual(['make-z', 'default']);
    expect((await run(rig)).way).toBe('written');
    rig.write({ 'names.ts': "export const names = ['x', 'w'];\n" });
    // Function procs' definitions include the task file's modules: all of them run again.
    const helper = await run(rig);
    expect(helper.way).toBe('full');
    expect(helper.ran).toContain('make-w');
    expect((await run(rig)).way).toBe('written');
    rig.write({ 'parproc.ts': `${(await Bun.file(join(rig.dir, 'parproc.ts')).text())}proc('late', { deps: ['default'] }, () => 1);\n` });
    const edited = await run(rig, ['late']);
    expect(edited.ran).toContain('late');
  });

  test("a tsconfig `paths` alias for 'parproc' is not followed: the import is the running parproc", async () => {
    // parproc's own checkout aliases it to its sources; following the alias took parproc's modules
    // (one imports by a computed name) for the project's, and no run was ever sealed.
    await using rig = await project(copies(), {
      'tsconfig.json': '{ "compilerOptions": { "paths": { "parproc": ["./vendor/parproc.ts"] } } }',
      'vendor/parproc.ts': "const name = 'node:path';\nexport const loaded = await import(name);\n",
    });
    await sealed(rig);
    expect((await run(rig)).way).toBe('replayed');
  });

  test('a package the task file imports: a changed entry or package.json reloads it; so does a new tsconfig.json', async () => {
    await using rig = await project(
      `import { proc } from 'parproc';
import { names } from 'name-list';
const all = names.map((n: string) => proc('make-' + n, { inputs: ['src/a.txt'], outputs: ['out/' + n] }, () => Bun.write('out/' + n, n)));
proc('default', { deps: all }, () => null);
`,
      { 'node_modules/name-list/package.json': '{ "name": "name-list", "version": "1.0.0", "main": "index.js" }', 'node_modules/name-list/index.js': "exports.names = ['x'];\n" },
    );
    expect((await run(rig)).ran).toEqual(['make-x', 'default']);
    expect((await run(rig)).way).toBe('written');
    expect((await run(rig)).way).toBe('replayed');
    rig.write({ 'node_modules/name-list/index.js': "exports.names = ['x', 'y'];\n" });
    const upgraded = await run(rig);
    expect(upgraded.way).toBe('full');
    expect(upgraded.ran).toEqual(['make-y', 'default']);
    expect((await run(rig)).way).toBe('written');
    rig.write({ 'tsconfig.json': '{}' });
    expect((await run(rig)).way).toBe('written');
    expect((await run(rig)).way).toBe('replayed');
  });

  test("node:fs as wrapped for the load keeps what hangs off its functions (realpathSync.native, promisify's custom form), and a read through them is sealed", async () => {
    await using rig = await project(
      copies(`const here = realpathSync.native('.');
const there: boolean = await promisify(exists)('src/a.txt');
if (!here || there !== true) throw new Error('wrapped fs lost something');`).replace(
        "import { copyFileSync } from 'node:fs';",
        "import { copyFileSync, exists, realpathSync } from 'node:fs';\nimport { promisify } from 'node:util';",
      ),
    );
    await sealed(rig);
    expect((await run(rig)).way).toBe('replayed');
    rmSync(join(rig.dir, 'src', 'a.txt'));
    const gone = await run(rig);
    expect(gone.way).toBe('full');
  });

  test("another environment (but a shell's `_`, `OLDPWD`, `SHLVL`), other arguments or another directory is another seal", async () => {
    await using rig = await project();
    await sealed(rig);
    expect((await run(rig, [], { SOME_SETTING: 'on' })).way).toBe('written');
    expect((await run(rig, [], { SOME_SETTING: 'on' })).way).toBe('replayed');
    expect((await run(rig)).way).toBe('replayed');
    // Not `_` (the path a shell started the command by), `OLDPWD` (a `cd` elsewhere and back) or
    // `SHLVL` (a nested shell).
    expect((await run(rig, [], { _: '/elsewhere/bin/parproc' })).way).toBe('replayed');
    expect((await run(rig, [], { OLDPWD: '/somewhere/else', SHLVL: '7' })).way).toBe('replayed');
    expect((await run(rig, ['copy-a'])).way).toBe('written');
    expect((await run(rig, ['copy-a'])).stdout).toContain('1 up to date');
    rig.write({ 'sub/.keep': '' });
    const below = await rig.exec([], { cwd: 'sub', env: DEBUG });
    expect(below.stderr).not.toContain('seal replayed');
  });

  test('parproc clean forgets the seals with the results; --no-quick and PARPROC_QUICK=0 neither replay nor write', async () => {
    await using rig = await project();
    await sealed(rig);
    expect((await run(rig, ['--no-quick'])).way).toBe('full');
    expect((await run(rig, [], { PARPROC_QUICK: '0' })).way).toBe('full');
    expect((await run(rig)).way).toBe('replayed');
    expect((await rig.exec(['clean'])).code).toBe(0);
    expect(existsSync(join(rig.dir, '.parproc', 'quick'))).toBe(false);
    const after = await run(rig);
    expect(after.ran).toEqual(['copy-a', 'copy-b', 'copy-c', 'default']);
  });

  const refusals: [string, string, string][] = [
    ['spawns while loading', "Bun.spawnSync(['true']);", 'Bun.spawnSync'],
    ['prints while loading', "console.log('hello');", 'output while loading'],
    ['writes to stdout directly while loading', "process.stdout.write('hi\\n');", 'opened by descriptor'],
    ['writes a file while loading', "writeFileSync('stamp.txt', String(Date.now()));", 'fs.writeFileSync'],
    ['writes through Bun.file while loading', "await Bun.file('stamp.txt').write('x');", 'BunFile.write'],
    ['globs while loading', "[...new Bun.Glob('src/*').scanSync('.')];", 'Bun.Glob.scanSync'],
    ['imports by a computed name', "await import('./' + 'names.ts');", 'computed name'],
    ['turns it off', "setOptions({ quickNoop: false });", 'quickNoop: false'],
  ];
  for (const [what, code, why] of refusals) {
    test(`a task file that ${what} is never sealed`, async () => {
      await using rig = await project(copies(code).replace("import { proc } from 'parproc';", "import { proc, setOptions } from 'parproc';\nimport { writeFileSync } from 'node:fs';"), { 'names.ts': 'export {};\n' });
      expect((await run(rig)).code).toBe(0);
      const noop = await run(rig);
      expect(noop.code).toBe(0);
      expect(noop.stdout).toContain('4 up to date');
      expect(noop.why).toContain(why);
      expect((await run(rig)).way).toBe('full');
    });
  }

  test('--json, --stream, -n and --full runs are not sealed; a failing or running proc is not a no-op', async () => {
    await using rig = await project();
    expect((await run(rig)).code).toBe(0);
    for (const flag of ['--json', '--stream', '-n', '--full']) {
      const r = await run(rig, [flag]);
      expect(r.way).toBe('full');
    }
    const seals = () => (existsSync(join(rig.dir, '.parproc', 'quick')) ? readdirSync(join(rig.dir, '.parproc', 'quick')).filter((n) => n.endsWith('.json')) : []);
    expect(seals()).toEqual([]);
    rig.write({ 'parproc.ts': `${copies()}proc('always', () => 1);\n` });
    expect((await run(rig, ['always'])).why).toBe('always running');
    expect((await run(rig, ['always'])).way).toBe('full');
    expect(seals()).toEqual([]);
  });

  test('a command line whose last run ran a proc that runs every time skips tracking its load; once none does, it seals again', async () => {
    await using rig = await project(`${copies()}proc('always', () => 1);\n`);
    const first = await run(rig, ['always']);
    expect(first.why).toBe('always running');
    expect(first.stderr).not.toContain('load not tracked');
    const second = await run(rig, ['always']);
    expect(second.stderr).toContain('load not tracked');
    // Refused at once, no seal bookkeeping: not for the proc that ran.
    expect(second.why).toBe('the load: not tracked');
    expect(second.ran).toEqual(['always']);
    // The proc gets an input: it no longer runs every time. The first run after the change still
    // skips tracking (it finds the mark) and takes the mark away; the next no-op seals.
    rig.write({ 'parproc.ts': `${copies()}proc('always', { inputs: ['src/a.txt'] }, () => 1);\n` });
    const changed = await run(rig, ['always']);
    expect(changed.stderr).toContain('load not tracked');
    expect(changed.ran).toEqual(['always']);
    const noop = await run(rig, ['always']);
    expect(noop.stderr).not.toContain('load not tracked');
    expect(noop.way).toBe('written');
    expect((await run(rig, ['always'])).way).toBe('replayed');
    // Another command line of the same project is tracked as before.
    expect((await run(rig)).why).toBe('copy-a running');
  });

  test('-C and -f find the task file the seal belongs to, as the run does', async () => {
    await using rig = await CliRig.create();
    rig.write({ 'proj/tasks.ts': copies(), 'proj/src/a.txt': 'A', 'proj/src/b.txt': 'B', 'proj/src/c.txt': 'C', 'proj/out/.keep': '' });
    expect((await run(rig, ['-C', 'proj', '-f', 'tasks.ts'])).ran).toEqual(['copy-a', 'copy-b', 'copy-c', 'default']);
    for (const args of [['-C', 'proj', '-f', 'tasks.ts'], ['-Cproj', '--file=tasks.ts']]) {
      expect((await run(rig, args)).way).toBe('written');
      const again = await run(rig, args);
      expect(again.way).toBe('replayed');
      expect(again.stdout).toContain('4 up to date');
    }
    expect(readdirSync(join(rig.dir, 'proj', '.parproc', 'quick')).length).toBe(2);
    rig.write({ 'proj/src/a.txt': 'A2' });
    expect((await run(rig, ['-C', 'proj', '-f', 'tasks.ts'])).ran).toEqual(['copy-a', 'default']);
  });

  test('a damaged seal is passed over: the run goes the usual way and seals again', async () => {
    await using rig = await project();
    await sealed(rig);
    const dir = join(rig.dir, '.parproc', 'quick');
    const [file] = readdirSync(dir);
    for (const junk of ['{ not json', '{"format":1,"key":"x","files":[],"out":[]}', JSON.stringify({ ...JSON.parse('{}'), format: 1, files: [[1, 2]], out: [[3, 4]] })]) {
      writeFileSync(join(dir, file as string), junk);
      const r = await run(rig);
      expect(r.code).toBe(0);
      expect(r.way).toBe('written');
      expect(r.stdout).toContain('4 up to date');
    }
    expect((await run(rig)).way).toBe('replayed');
  });

  test('seals are kept for the 16 newest command lines', async () => {
    await using rig = await project();
    expect((await run(rig)).code).toBe(0);
    for (let i = 0; i < 18; i++) expect((await run(rig, ['copy-a', `-j${i + 1}`])).way).toBe('written');
    expect(readdirSync(join(rig.dir, '.parproc', 'quick'))).toHaveLength(16);
  });
});
