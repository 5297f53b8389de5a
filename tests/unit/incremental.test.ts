import { afterEach, beforeEach, describe, expect, test, setDefaultTimeout } from 'bun:test';
import { output, ProcNoChangeError, ProcSkippedError, regexFiles, ProcManager } from '../../src/index.ts';
import { readFileSync, rmSync, symlinkSync, utimesSync } from 'node:fs';
import { StatPass } from '../../src/files/stat-pass.ts';
import { hiddenFromGlob } from '../../src/files/inputs.ts';
import { compareFingerprints, contentHash, fingerprintFiles } from '../../src/files/fingerprint.ts';
import { Project } from '../helpers/project.ts';

// Procs spawn real processes: generous per-test limits for a loaded 2-core machine.
setDefaultTimeout(20_000);

const cwd = process.cwd();
let p: Project;
beforeEach(() => {
  p = new Project();
  process.chdir(p.dir); // relative inputs/outputs resolve against the proc's cwd, here the project
});
afterEach(() => {
  process.chdir(cwd);
  p[Symbol.dispose]();
});

/** Runs `define` on a fresh manager and starts `targets`; returns the manager after the run. */
async function runOnce(define: (pm: ProcManager) => void, targets: string[], opts = {}): Promise<ProcManager> {
  const { pm } = p.manager(opts);
  define(pm);
  pm.start(targets);
  await pm.waitForAll({ throwOnFailure: false });
  pm.close();
  return pm;
}

describe('staleness rules', () => {
  const define = (counter: { n: number }) => (pm: ProcManager) => {
    pm.proc('gen', { inputs: ['src/*.txt'] }, () => ({ run: ++counter.n }));
  };

  test('first run executes; an unchanged second run is up-to-date with the cached result', async () => {
    p.write('src/a.txt', 'a');
    const c = { n: 0 };
    const first = await runOnce(define(c), ['gen']);
    expect(Project.states(first)).toEqual({ gen: 'succeeded' });
    const second = await runOnce(define(c), ['gen']);
    expect(Project.states(second)).toEqual({ gen: 'up-to-date' });
    expect(second.results()).toEqual({ gen: { run: 1 } });
    expect(c.n).toBe(1);
  });

  test('plain input and output paths (the no-op fast path) decide as the full check does', async () => {
    const { writeFileSync, rmSync } = await import('node:fs');
    p.write('in/a.txt', 'a');
    p.write('in/b.txt', 'b');
    const c = { up: 0, down: 0 };
    const plain = (pm: ProcManager) => {
      pm.proc('up', { inputs: ['in/b.txt', 'in/a.txt'], outputs: ['out/up.txt'] }, () => {
        writeFileSync('out/up.txt', 'x');
        return { up: ++c.up };
      });
      pm.proc('down', { deps: ['up'], inputs: ['in/a.txt'] }, () => ++c.down);
    };
    p.write('out/.keep', '');
    await runOnce(plain, ['down']);
    let pm = await runOnce(plain, ['down']);
    expect(Project.states(pm)).toEqual({ up: 'up-to-date', down: 'up-to-date' });
    expect(pm.results()).toEqual({ up: { up: 1 }, down: 1 });
    p.write('in/b.txt', 'bigger');
    pm = await runOnce(plain, ['down']);
    expect([pm.reasonOf('up'), pm.reasonOf('down')]).toEqual(['input changed: in/b.txt', 'dep up ran']);
    rmSync(p.path('out/up.txt'));
    pm = await runOnce(plain, ['down']);
    expect(pm.reasonOf('up')).toBe('output missing: out/up.txt'); // relative, as inputs are shown
    rmSync(p.path('in/a.txt'));
    pm = await runOnce(plain, ['down']);
    expect(pm.reasonOf('up')).toBe('input missing: in/a.txt');
    pm = await runOnce(plain, ['down']);
    expect(Project.states(pm)).toEqual({ up: 'up-to-date', down: 'up-to-date' });
    expect([c.up, c.down]).toEqual([4, 4]);
  });

  test('an input change, an added and a removed glob input each cause a run', async () => {
    p.write('src/a.txt', 'a');
    const c = { n: 0 };
    await runOnce(define(c), ['gen']);
    p.write('src/a.txt', 'changed!');
    let pm = await runOnce(define(c), ['gen']);
    expect(pm.reasonOf('gen')).toBe('input changed: src/a.txt');
    p.write('src/b.txt', 'new');
    pm = await runOnce(define(c), ['gen']);
    expect(pm.reasonOf('gen')).toBe('input added: src/b.txt');
    (await import('node:fs')).rmSync(p.path('src/a.txt'));
    pm = await runOnce(define(c), ['gen']);
    expect(pm.reasonOf('gen')).toBe('input removed: src/a.txt');
    pm = await runOnce(define(c), ['gen']);
    expect(Project.states(pm).gen).toBe('up-to-date');
    expect(c.n).toBe(4);
  });

  test("other params rerun a function proc (it may read ctx.params), not a command; the same params again are up to date", async () => {
    p.write('in.txt', 'x');
    const seen: unknown[] = [];
    const d = (params: Record<string, unknown>) => (pm: ProcManager) => {
      pm.setParams(params);
      pm.proc('fn', { inputs: ['in.txt'] }, (ctx) => {
        seen.push(ctx.params.target ?? null);
        return `for ${String(ctx.params.target)}`;
      });
      pm.proc('cmd', { inputs: ['in.txt'] }, ['true']);
    };
    await runOnce(d({}), ['fn', 'cmd']);
    let pm = await runOnce(d({ target: 'a', level: 1 }), ['fn', 'cmd']);
    expect(Project.states(pm)).toEqual({ fn: 'succeeded', cmd: 'up-to-date' });
    expect(pm.reasonOf('fn')).toBe('params changed');
    pm = await runOnce(d({ level: 1, target: 'a' }), ['fn', 'cmd']); // the same params, in another order
    expect(Project.states(pm)).toEqual({ fn: 'up-to-date', cmd: 'up-to-date' });
    expect(pm.results().fn).toBe('for a');
    pm = await runOnce(d({ target: 'b', level: 1 }), ['fn', 'cmd']);
    expect(pm.results().fn).toBe('for b');
    pm = await runOnce(d({}), ['fn', 'cmd']);
    expect(pm.reasonOf('fn')).toBe('params changed');
    expect(seen).toEqual([null, 'a', 'b', null]);
  });

  test("a command proc's env or cwd changed reruns it ('definition changed'); the same env in another order does not", async () => {
    p.write('in.txt', 'x');
    p.write('sub/.keep', '');
    const d = (env: Record<string, string>, cwd?: string) => (pm: ProcManager) => {
      pm.proc('cmd', { inputs: [cwd ? '../in.txt' : 'in.txt'], env, ...(cwd ? { cwd } : {}) }, 'echo "$A $B" > out.txt');
    };
    await runOnce(d({ A: '1', B: '2' }), ['cmd']);
    let pm = await runOnce(d({ B: '2', A: '1' }), ['cmd']);
    expect(Project.states(pm)).toEqual({ cmd: 'up-to-date' });
    pm = await runOnce(d({ A: '1', B: '3' }), ['cmd']);
    expect([Project.states(pm).cmd, pm.reasonOf('cmd')]).toEqual(['succeeded', 'definition changed']);
    expect(readFileSync(p.path('out.txt'), 'utf8')).toBe('1 3\n');
    pm = await runOnce(d({ A: '1', B: '3' }, 'sub'), ['cmd']);
    expect([Project.states(pm).cmd, pm.reasonOf('cmd')]).toEqual(['succeeded', 'definition changed']);
    expect(readFileSync(p.path('sub/out.txt'), 'utf8')).toBe('1 3\n');
  });

  test('a directory input stands for every file under it (inputsIgnore applies; .parproc and .git inside are left out)', async () => {
    const files = { 'src/a.txt': 'a', 'src/deep/b.txt': 'b', 'src/gen/skip.txt': 's', 'src/.parproc/logs/x.log': 'log', 'src/.git/HEAD': 'ref' };
    for (const [f, text] of Object.entries(files)) p.write(f, text);
    const d = (pm: ProcManager) => pm.proc('dir', { inputs: ['src'], inputsIgnore: ['src/gen'] }, (ctx) => Object.keys(ctx.inputFingerprint ?? {}));
    const alone = (pm: ProcManager) => pm.proc('dir', { inputs: ['src'] }, (ctx) => Object.keys(ctx.inputFingerprint ?? {}));
    expect((await runOnce(d, ['dir'])).results().dir).toEqual(['src/a.txt', 'src/deep/b.txt']);
    expect((await runOnce(alone, ['dir'])).results().dir).toEqual(['src/a.txt', 'src/deep/b.txt', 'src/gen/skip.txt']);
    p.write('src/deep/b.txt', 'b2');
    expect((await runOnce(alone, ['dir'])).reasonOf('dir')).toBe('input changed: src/deep/b.txt');
    p.write('src/deep/er/c.txt', 'c');
    expect((await runOnce(alone, ['dir'])).reasonOf('dir')).toBe('input added: src/deep/er/c.txt');
    p.write('src/.parproc/logs/x.log', 'log 2');
    expect(Project.states(await runOnce(alone, ['dir']))).toEqual({ dir: 'up-to-date' });
  });

  test("a directory input leaves out parproc's own log dir and task DB, wherever they are set", async () => {
    p.write('tree/a.txt', 'a');
    const d = (pm: ProcManager) => pm.proc('all', { inputs: ['tree'] }, (ctx) => {
      console.log('a line in the log');
      return Object.keys(ctx.inputFingerprint ?? {});
    });
    const opts = { logDir: p.path('tree/logs'), taskDbPath: p.path('tree/state/tasks.db') };
    expect((await runOnce(d, ['all'], opts)).results().all).toEqual(['tree/a.txt']);
    expect(Project.states(await runOnce(d, ['all'], opts))).toEqual({ all: 'up-to-date' });
    // Nor does a glob that would match them (**/* with dot files), nor .parproc below its root.
    p.write('tree/.parproc/x.log', 'x');
    const g = (pm: ProcManager) => pm.proc('glob', { inputs: ['tree/**/*'] }, (ctx) => {
      console.log('a line in the log');
      return Object.keys(ctx.inputFingerprint ?? {});
    });
    expect((await runOnce(g, ['glob'], opts)).results().glob).toEqual(['tree/a.txt']);
    expect(Project.states(await runOnce(g, ['glob'], opts))).toEqual({ glob: 'up-to-date' });
  });

  test("a proc's own outputs among its inputs do not make it stale at the next run; other inputs changed during its run do", async () => {
    p.write('src/a.ts', 'a');
    let runs = 0;
    const gen = (pm: ProcManager) => pm.proc('gen', { inputs: ['src/**/*.ts'], outputs: ['src/gen.ts'] }, () => {
      p.write('src/gen.ts', `// ${++runs}`);
    });
    await runOnce(gen, ['gen']);
    expect(Project.states(await runOnce(gen, ['gen']))).toEqual({ gen: 'up-to-date' });
    p.write('src/a.ts', 'a2');
    expect((await runOnce(gen, ['gen'])).reasonOf('gen')).toBe('input changed: src/a.ts');
    expect(Project.states(await runOnce(gen, ['gen']))).toEqual({ gen: 'up-to-date' });
    // A formatter: its outputs are its inputs.
    const fmt = (pm: ProcManager) => pm.proc('fmt', { inputs: ['lib/*.ts'], outputs: ['lib/*.ts'] }, () => {
      p.write('lib/x.ts', 'formatted');
      p.age('lib/x.ts', -5); // as a slow formatter would leave it: later than the check
    });
    p.write('lib/x.ts', 'raw');
    await runOnce(fmt, ['fmt']);
    expect(Project.states(await runOnce(fmt, ['fmt']))).toEqual({ fmt: 'up-to-date' });
    p.write('lib/x.ts', 'edited by hand');
    expect((await runOnce(fmt, ['fmt'])).reasonOf('fmt')).toBe('input changed: lib/x.ts');
    // An input that is not its output, changed while it ran: the run did not see that, so it reruns.
    const racy = (pm: ProcManager) => pm.proc('racy', { inputs: ['in/*.txt'], outputs: ['in/out.txt'] }, () => {
      p.write('in/out.txt', 'o');
      p.write('in/a.txt', 'changed meanwhile');
      p.age('in/a.txt', -5);
    });
    p.write('in/a.txt', 'a');
    await runOnce(racy, ['racy']);
    expect((await runOnce(racy, ['racy'])).reasonOf('racy')).toBe('input changed: in/a.txt');
    expect(runs).toBe(2);
  });

  test('full, noSkip, no DB, and procs with neither deps nor inputs always run', async () => {
    p.write('in.txt', 'x');
    const c = { n: 0 };
    const d = (pm: ProcManager) => {
      pm.proc('withInput', { inputs: ['in.txt'] }, () => ++c.n);
      pm.proc('forced', { inputs: ['in.txt'], noSkip: true }, () => ++c.n);
      pm.proc('bare', () => ++c.n);
    };
    await runOnce(d, ['withInput', 'forced', 'bare']);
    const again = await runOnce(d, ['withInput', 'forced', 'bare']);
    expect(Project.states(again)).toEqual({ withInput: 'up-to-date', forced: 'succeeded', bare: 'succeeded' });
    expect(again.reasonOf('forced')).toBe('noSkip');
    expect(again.reasonOf('bare')).toBe('no deps or inputs: never skipped');
    const { pm } = p.manager();
    d(pm);
    pm.run('withInput', { full: true });
    await pm.waitForAll();
    expect(Project.states(pm).withInput).toBe('succeeded');
    expect(pm.reasonOf('withInput')).toBe('full run');
    pm.close();
    const noDb = await runOnce(d, ['withInput'], { taskDbPath: null });
    expect(Project.states(noDb).withInput).toBe('succeeded');
    expect(noDb.reasonOf('withInput')).toBe('no task DB');
  });

  test('an upstream proc that ran makes downstream run; a ProcNoChangeError or skip upstream does not', async () => {
    p.write('in.txt', 'x');
    let upstream: 'value' | 'nochange' | 'skip' = 'value';
    const d = (pm: ProcManager) => {
      pm.proc('up', { noSkip: true }, () => {
        if (upstream === 'nochange') throw new ProcNoChangeError('same as before');
        if (upstream === 'skip') throw new ProcSkippedError();
        return 1;
      });
      pm.proc('down', { deps: ['up'] }, (ctx) => ({ depsChanged: ctx.depsChanged, changedDeps: ctx.changedDeps }));
    };
    const first = await runOnce(d, ['down']);
    expect(first.results().down).toEqual({ depsChanged: true, changedDeps: ['up'] });
    const second = await runOnce(d, ['down']);
    expect(Project.states(second).down).toBe('succeeded');
    expect(second.reasonOf('down')).toBe('dep up ran');
    upstream = 'nochange';
    const third = await runOnce(d, ['down']);
    expect(Project.states(third)).toEqual({ up: 'skipped', down: 'up-to-date' });
    upstream = 'skip';
    expect(Project.states(await runOnce(d, ['down'])).down).toBe('up-to-date');
  });

  test('a missing output, or one older than maxAge, causes a run', async () => {
    p.write('in.txt', 'x');
    const d = (maxAge: string | number) => (pm: ProcManager) => {
      pm.proc('build', { inputs: ['in.txt'], outputs: ['out/a.js', output('out/b.js', { maxAge })] }, () => {
        p.write('out/a.js', 'a');
        p.write('out/b.js', 'b');
      });
    };
    for (const [maxAge, age] of [['4s', 10], ['2 minutes', 180], [3600, 7200]] as const) {
      await runOnce(d(maxAge), ['build']);
      expect(Project.states(await runOnce(d(maxAge), ['build'])).build).toBe('up-to-date');
      p.age('out/b.js', age);
      const pm = await runOnce(d(maxAge), ['build']);
      expect(pm.reasonOf('build')).toBe('output older than maxAge: out/b.js');
    }
    (await import('node:fs')).rmSync(p.path('out/a.js'));
    const pm = await runOnce(d('1h'), ['build']);
    expect(pm.reasonOf('build')).toBe('output missing: out/a.js');
  });

  test('inputFingerprint maps each resolved input to its mtime', async () => {
    p.write('a.txt', 'a');
    p.write('b.txt', 'b');
    p.age('b.txt', 100);
    const pm = await runOnce((m) => m.proc('fp', { inputs: ['a.txt', 'b.txt', 'gone.txt'] }, (ctx) => ctx.inputFingerprint), ['fp']);
    const fp = pm.results().fp as Record<string, number>;
    expect(Object.keys(fp)).toEqual(['a.txt', 'b.txt']);
    const { statSync } = await import('node:fs');
    expect(fp['b.txt']).toBe(statSync(p.path('b.txt')).mtimeMs);
    const none = await runOnce((m) => m.proc('nofp', () => 0), ['nofp']);
    expect(none.getProcs().get('nofp')?.state).toBe('succeeded');
  });
});

describe('output verification', () => {
  test('missing outputs fail with outputs-not-refreshed and the exact paths', async () => {
    const pm = await runOnce((m) => m.proc('lazy', { outputs: ['x.js', 'y.js'] }, () => p.write('y.js', 'y')), ['lazy']);
    const info = pm.getProcs().get('lazy')!;
    expect(info.state).toBe('failed');
    expect(info.error).toBe('outputs-not-refreshed');
    expect(info.moreInfo).toBe(`outputs not refreshed: ${p.path('x.js')}`);
  });

  test('an output older than maxAge fails the proc unless enforceFreshness is false', async () => {
    p.write('old.js', 'old');
    p.age('old.js', 60);
    const strict = await runOnce((m) => m.proc('s', { outputs: [output('old.js', { maxAge: '4s' })] }, () => 1), ['s']);
    expect(strict.getProcs().get('s')).toMatchObject({ state: 'failed', error: 'outputs-not-refreshed', moreInfo: `outputs older than max_age: ${p.path('old.js')}` });
    const lax = await runOnce((m) => m.proc('l', { outputs: [output('old.js', { maxAge: '4s', enforceFreshness: false })] }, () => 1), ['l']);
    expect(lax.getProcs().get('l')?.state).toBe('succeeded');
  });

  test('an output older than maxAge makes its proc stale, with or without enforceFreshness', async () => {
    p.write('in.txt', 'x');
    let runs = 0;
    for (const enforceFreshness of [true, false]) {
      const define = (m: ProcManager) => m.proc('gen', { inputs: ['in.txt'], outputs: [output('out.js', { maxAge: '4s', enforceFreshness })] }, () => {
        p.write('out.js', 'fresh');
        return ++runs;
      });
      await runOnce(define, ['gen']);
      expect(Project.states(await runOnce(define, ['gen']))).toEqual({ gen: 'up-to-date' });
      p.age('out.js', 60);
      const pm = await runOnce(define, ['gen']);
      expect([Project.states(pm).gen, pm.reasonOf('gen')]).toEqual(['succeeded', 'output older than maxAge: out.js']);
    }
    expect(runs).toBe(3); // the second definition found the first one's fresh result
  });

  test('a glob output stands for the files it matches: none is a missing output; each is checked for age; a later run reruns when they are gone', async () => {
    const counter = { n: 0 };
    const define = (m: ProcManager) => {
      m.proc('bundle', { inputs: ['src/*.ts'], outputs: ['dist/**/*.js'] }, () => {
        p.write('dist/a.js', 'a');
        p.write('dist/sub/b.js', 'b');
        return ++counter.n;
      });
      m.proc('nothing', { outputs: ['gen/*.d.ts'] }, () => 1);
    };
    p.write('src/main.ts', 'x');
    const first = await runOnce(define, ['bundle', 'nothing']);
    expect(first.getProcs().get('bundle')?.state).toBe('succeeded');
    expect(first.getProcs().get('nothing')).toMatchObject({ state: 'failed', error: 'outputs-not-refreshed', moreInfo: `outputs not refreshed: ${p.path('gen/*.d.ts')}` });
    expect((await runOnce(define, ['bundle'])).getProcs().get('bundle')?.state).toBe('up-to-date');
    rmSync(p.path('dist'), { recursive: true }); // the outputs removed
    const again = await runOnce(define, ['bundle']);
    expect(again.getProcs().get('bundle')).toMatchObject({ state: 'succeeded', output: 2 });
    // maxAge applies to each file the glob matches.
    p.age('dist/a.js', 60);
    const aged = await runOnce((m) => m.proc('old', { outputs: [output('dist/*.js', { maxAge: '4s' })] }, () => 1), ['old']);
    expect(aged.getProcs().get('old')).toMatchObject({ state: 'failed', error: 'outputs-not-refreshed', moreInfo: `outputs older than max_age: ${p.path('dist/a.js')}` });
  });
});

describe('inputs', () => {
  test('paths, ** globs, FileSpecFns, inputsIgnore (paths drop whole dirs, globs match) and globalInputsIgnore', async () => {
    p.write('src/a.ts', '');
    p.write('src/deep/b.ts', '');
    p.write('src/deep/gen/c.ts', '');
    p.write('src/d.test.ts', '');
    p.write('src/tmp/e.ts', '');
    p.write('README.md', '');
    p.write('extra/f.txt', '');
    const pm = await runOnce(
      (m) => m.proto('lint::[dir]', {
        inputs: ['src/**/*.ts', 'README.md', (c) => [`${c.args.dir}/f.txt`]],
        inputsIgnore: ['src/deep/gen', '**/*.test.ts'],
      }, (ctx) => Object.keys(ctx.inputFingerprint ?? {})),
      ['lint::extra'],
      { globalInputsIgnore: ['src/tmp'] },
    );
    expect(pm.results()['lint::extra']).toEqual(['README.md', 'extra/f.txt', 'src/a.ts', 'src/deep/b.ts']);
  });

  test('a glob passes over names that start with a dot unless it names them, as a shell does; a directory input takes them', async () => {
    // Before, `**/*` took .git's objects and `src/**/*.ts` an editor's or tool's hidden copies.
    for (const f of ['src/a.ts', 'src/.cache/old.ts', 'src/.hidden.ts', 'src/.gen/types.ts', '.git/HEAD', '.env', 'conf/.rc']) p.write(f, '');
    const pm = await runOnce(
      (m) => {
        m.proc('globs', { inputs: ['**/*'] }, (ctx) => Object.keys(ctx.inputFingerprint ?? {}).sort());
        m.proc('named', { inputs: ['.env', 'src/.gen/*.ts', 'src/.*.ts'] }, (ctx) => Object.keys(ctx.inputFingerprint ?? {}).sort());
        m.proc('dir', { inputs: ['conf'] }, (ctx) => Object.keys(ctx.inputFingerprint ?? {}).sort());
      },
      ['globs', 'named', 'dir'],
    );
    expect(pm.results().globs).toEqual(['src/a.ts']);
    expect(pm.results().named).toEqual(['.env', 'src/.gen/types.ts', 'src/.hidden.ts']);
    expect(pm.results().dir).toEqual(['conf/.rc']);
  });

  test('watching leaves out what a glob scan leaves out: dot entries below the root, unless named; ./ and ../ name none', () => {
    const cases: [abs: string, glob: string, base: string, hidden: boolean][] = [
      ['/p/src/.cache/x.ts', 'src/**/*.ts', '/p', true],
      ['/p/src/a.ts', 'src/**/*.ts', '/p', false],
      ['/p/src/.gen/x.ts', 'src/.gen/*.ts', '/p', false],
      ['/p/.env', '.env', '/p', false],
      ['/shared/.c/x.ts', '../shared/**/*.ts', '/p', true],
      ['/p/src/.f.ts', './src/*.ts', '/p', true],
      ['/u/.config/p/src/a.ts', 'src/*.ts', '/u/.config/p', false], // a dot above the root is no matter
    ];
    expect(cases.map(([abs, glob, base]) => hiddenFromGlob(abs, glob, base))).toEqual(cases.map((c) => c[3]));
  });

  test("'!glob' among the inputs excludes, as in wireit and turbo; in outputs it is a UserError", async () => {
    // Before, '!src/**/*.test.ts' was a glob matching nothing: the tests stayed inputs.
    p.write('src/a.ts', '');
    p.write('src/a.test.ts', '');
    p.write('src/deep/b.test.ts', '');
    const pm = await runOnce((m) => m.proc('lint', { inputs: ['src/**/*.ts', '!src/**/*.test.ts'] }, (ctx) => Object.keys(ctx.inputFingerprint ?? {})), ['lint']);
    expect(pm.results().lint).toEqual(['src/a.ts']);
    expect(() => new ProcManager().proc('bundle', { outputs: ['dist/**', '!dist/**/*.map'] }, () => 1)).toThrow(
      'proc "bundle": option "outputs" takes no exclusions, got "!dist/**/*.map" (list what the proc writes; exclusions are for inputs)',
    );
  });

  test('regexFiles lists files under a root by POSIX relative path; bad regex and bad root are UserErrors', async () => {
    p.write('assets/img/a.png', '');
    p.write('assets/img/b.jpg', '');
    p.write('assets/c.png', '');
    const files = regexFiles(p.path('assets'), /\.png$/)({ procName: 'x', params: {}, args: {} });
    expect(files).toEqual([p.path('assets/c.png'), p.path('assets/img/a.png')]);
    expect(regexFiles(p.path('assets'), '^img/')({ procName: 'x', params: {}, args: {} })).toEqual([p.path('assets/img/a.png'), p.path('assets/img/b.jpg')]);
    expect(() => regexFiles(p.path('assets'), '(')).toThrow(/invalid regular expression/);
    // The root is checked when the inputs are expanded (a dep may create it), not at once.
    const late = regexFiles(p.path('later'), 'x');
    expect(() => late({ procName: 'x', params: {}, args: {} })).toThrow(/root ".*later" is not a directory/);
    p.write('later/x.txt', '');
    expect(late({ procName: 'x', params: {}, args: {} })).toEqual([p.path('later/x.txt')]);
    const pm = await runOnce((m) => m.proc('pngs', { inputs: regexFiles(p.path('assets'), /\.png$/) }, (ctx) => Object.keys(ctx.inputFingerprint ?? {}).length), ['pngs']);
    expect(pm.results().pngs).toBe(2);
  });

  test('regexFiles over the project root leaves out .parproc and .git, as a directory input does: the proc is up to date on the next run', async () => {
    for (const f of ['src/a.ts', '.git/HEAD', '.env']) p.write(f, '');
    // (The log dir is in the project here, logs/: parproc's own too, never an input.)
    const define = (m: ProcManager) => m.proc('all', { inputs: regexFiles(p.dir, /.*/) }, (ctx) => { console.log('a line in its log'); return Object.keys(ctx.inputFingerprint ?? {}).sort(); });
    const first = await runOnce(define, ['all']);
    expect(first.results().all).toEqual(['.env', 'src/a.ts']);
    // Before, the task DB under .parproc was an input: changed by every run, it reran the proc at every run.
    expect(Project.states(await runOnce(define, ['all']))).toEqual({ all: 'up-to-date' });
  });

  test('the trace file is parproc\'s own too: a glob that matches it does not take it', async () => {
    p.write('conf.json', '{}');
    const define = (m: ProcManager) => m.proc('conf', { inputs: ['*.json'] }, (ctx) => Object.keys(ctx.inputFingerprint ?? {}));
    const opts = { traceFile: p.path('trace.json') };
    expect((await runOnce(define, ['conf'], opts)).results().conf).toEqual(['conf.json']);
    // Before, the trace written at the end of each run was an input: stale at every run.
    expect(Project.states(await runOnce(define, ['conf'], opts))).toEqual({ conf: 'up-to-date' });
  });

  test('regexFiles takes a symlink to a file but enters no symlinked directory (a loop of them is no error), and a /g pattern matches every file', async () => {
    p.write('tree/a/b/f.txt', '');
    p.write('tree/a/g.txt', '');
    p.write('elsewhere/h.txt', '');
    symlinkSync('../..', p.path('tree/a/b/loop'));
    symlinkSync('/nonexistent.txt', p.path('tree/dangling.txt'));
    symlinkSync('../../elsewhere/h.txt', p.path('tree/a/h.txt'));
    const ctx = { procName: 'x', params: {}, args: {} };
    expect(regexFiles(p.path('tree'), /\.txt$/)(ctx)).toEqual([p.path('tree/a/b/f.txt'), p.path('tree/a/g.txt'), p.path('tree/a/h.txt')]);
    // A global regex keeps `lastIndex` between tests: each file is tested afresh.
    expect(regexFiles(p.path('tree'), /\.txt$/g)(ctx)).toHaveLength(3);
  });

  test('a symlink to a file is an input (its target decides) for a glob and a directory; symlinked directories and dangling links are not', async () => {
    p.write('shared/config.json', '1');
    p.write('src/a.txt', 'a');
    symlinkSync('../shared/config.json', p.path('src/config.json'));
    symlinkSync('..', p.path('src/up'));
    symlinkSync('gone.txt', p.path('src/dangling.txt'));
    const c = { glob: 0, dir: 0 };
    const define = (m: ProcManager) => {
      m.proc('glob', { inputs: ['src/*'] }, (ctx) => {
        c.glob++;
        return Object.keys(ctx.inputFingerprint ?? {});
      });
      m.proc('dir', { inputs: ['src'] }, (ctx) => {
        c.dir++;
        return Object.keys(ctx.inputFingerprint ?? {});
      });
    };
    let pm = await runOnce(define, ['glob', 'dir']);
    // Before, the symlink was left out: editing the config it points to changed nothing.
    expect([pm.results().glob, pm.results().dir]).toEqual([['src/a.txt', 'src/config.json'], ['src/a.txt', 'src/config.json']]);
    utimesSync(p.path('shared/config.json'), new Date(), new Date(Date.now() + 5_000));
    pm = await runOnce(define, ['glob', 'dir']);
    expect([pm.reasonOf('glob'), pm.reasonOf('dir')]).toEqual(['input changed: src/config.json', 'input changed: src/config.json']);
    expect(c).toEqual({ glob: 2, dir: 2 });
  });

  test('a glob under a directory that does not exist (yet) matches nothing, relative or absolute', async () => {
    const pm = await runOnce((m) => {
      m.proc('rel', { inputs: ['gen/*.txt'] }, (ctx) => ctx.inputFingerprint);
      m.proc('abs', { inputs: [p.path('gen/*.txt')] }, (ctx) => ctx.inputFingerprint);
    }, ['rel', 'abs']);
    expect(pm.results()).toEqual({ rel: {}, abs: {} });
  });

  test('an inputs function that throws fails the proc with its message', async () => {
    const pm = await runOnce((m) => m.proc('bad', { inputs: () => { throw new Error('no such target'); } }, () => 1), ['bad']);
    expect(pm.getProcs().get('bad')).toMatchObject({ state: 'failed', error: 'exception' });
    expect(pm.getProcs().get('bad')?.moreInfo).toContain('no such target');
  });
});

describe('content hashes', () => {
  test('a big file is hashed a chunk at a time; a change of one byte at the same size shows', () => {
    p.write('big.bin', 'abcdefghij');
    const big = p.path('big.bin');
    // Thresholds made small here: over 4 bytes a file is read 3 bytes at a time.
    const chunked = contentHash(big, 10, 4, 3);
    expect(chunked).toStartWith('c');
    expect(contentHash(big, 10)).not.toBe(chunked);
    p.write('big.bin', 'abcdefghiJ');
    expect(contentHash(big, 10, 4, 3)).not.toBe(chunked);
  });

  test('an input that cannot be read has no hash: its mtime and size decide, and a change is seen', () => {
    p.write('d/x.txt', '1');
    const dir = p.path('d');
    expect(contentHash(dir, 4096)).toBeUndefined();
    const key = (abs: string) => abs;
    const before = fingerprintFiles([dir], key, 'hash', null);
    expect(before[dir]).toHaveLength(2);
    // Touched: an empty hash for both (the old answer for any unreadable file) hid the change.
    utimesSync(dir, new Date(), new Date(Date.now() + 5000));
    const after = fingerprintFiles([dir], key, 'hash', before);
    expect(compareFingerprints(before, after, 'hash')).toBe(`input changed: ${dir}`);
  });
});

describe('stats shared by a pass of checks', () => {
  test('a pass stats each distinct path once (a single view of the disk); the next microtask, or end(), starts a new one', async () => {
    p.write('a.txt', 'a');
    const pass = new StatPass();
    const first = pass.stat(p.path('a.txt'));
    expect(pass.stat(p.path('a.txt'))).toBe(first); // the same stat object: not taken again
    p.write('a.txt', 'longer');
    expect(pass.stat(p.path('a.txt'))?.size).toBe(1);
    pass.end();
    expect(pass.stat(p.path('a.txt'))?.size).toBe(6);
    const inPass = pass.stat(p.path('a.txt'));
    await Promise.resolve();
    expect(pass.stat(p.path('a.txt'))).not.toBe(inPass);
    expect(pass.stat(p.path('missing.txt'))).toBeUndefined();
  });

  test('many procs naming one input see it once per pass, and a proc started in the pass ends it', async () => {
    const { writeFileSync } = await import('node:fs');
    p.write('shared.txt', 'v1');
    let rewrite = false;
    const define = (pm: ProcManager) => {
      for (let i = 0; i < 20; i++) pm.proc(`reader${i}`, { inputs: ['shared.txt'] }, () => i);
      // No deps and no inputs: it always runs; its code rewrites the shared input at once, before
      // the checks of the procs after it in the same pass.
      pm.proc('writer', () => {
        if (rewrite) writeFileSync('shared.txt', 'v2, of another size');
      });
      pm.proc('late', { inputs: ['shared.txt'] }, () => 'late');
    };
    const names = [...Array.from({ length: 20 }, (_, i) => `reader${i}`), 'writer', 'late'];
    await runOnce(define, names);
    expect(Project.states(await runOnce(define, names)).late).toBe('up-to-date');
    rewrite = true;
    const third = await runOnce(define, names);
    const states = Project.states(third);
    // Checked before the writer started: up to date, with the file as it was.
    for (let i = 0; i < 20; i++) expect(states[`reader${i}`]).toBe('up-to-date');
    expect(states.writer).toBe('succeeded');
    // Checked after it started, in the same pass: the new file, not the pass's earlier stat.
    expect(states.late).toBe('succeeded');
    expect(third.reasonOf('late')).toBe('input changed: shared.txt');
  });
});

describe("fingerprint: 'hash'", () => {
  test('touching a file without changing it does not rerun; mtime mode does', async () => {
    p.write('in.txt', 'same');
    const d = (m: ProcManager) => m.proc('h', { inputs: ['in.txt'] }, () => 1);
    await runOnce(d, ['h'], { fingerprint: 'hash' });
    p.age('in.txt', 50); // a different mtime, same content
    expect(Project.states(await runOnce(d, ['h'], { fingerprint: 'hash' })).h).toBe('up-to-date');
    p.write('in.txt', 'different');
    const changed = await runOnce(d, ['h'], { fingerprint: 'hash' });
    expect(changed.reasonOf('h')).toBe('input changed: in.txt');
    p.age('in.txt', 70);
    const mtime = await runOnce(d, ['h'], { fingerprint: 'mtime' });
    expect(mtime.reasonOf('h')).toBe('input changed: in.txt');
  });
});

describe('trackImports', () => {
  test("a .ts input's first-party imports count as inputs, transitively; packages and built-ins do not", async () => {
    p.write('src/main.ts', `import { a } from './lib/a.ts';\nimport { join } from 'node:path';\nimport { x } from 'somepkg';\nimport type { T } from './types';\nexport const m = a + join('x') + x;\n`);
    p.write('src/lib/a.ts', `import { b } from './b.js';\nexport const a = b;\n`);
    p.write('src/lib/b.ts', `export const b = 1;\n`);
    p.write('src/types.ts', `export type T = number;\nexport const unused = 1;\n`);
    p.write('node_modules/somepkg/index.ts', `export const x = 1;\n`);
    const d = (m: ProcManager) => m.proc('bundle', { inputs: ['src/main.ts'], trackImports: true }, (ctx) => Object.keys(ctx.inputFingerprint ?? {}));
    const first = await runOnce(d, ['bundle'], { importRoots: [p.path('src')] });
    expect(first.results().bundle).toEqual(['src/lib/a.ts', 'src/lib/b.ts', 'src/main.ts']);
    expect(Project.states(await runOnce(d, ['bundle'], { importRoots: [p.path('src')] })).bundle).toBe('up-to-date');
    p.write('src/lib/b.ts', `export const b = 2;\n`);
    const edited = await runOnce(d, ['bundle'], { importRoots: [p.path('src')] });
    expect(edited.reasonOf('bundle')).toBe('input changed: src/lib/b.ts');
  });

  test("aliases count as Bun resolves them: tsconfig.json paths (@/…) and package.json imports (#…); packages still do not", async () => {
    p.write('tsconfig.json', `{\n  // comments and trailing commas, as tsc allows\n  "compilerOptions": { "baseUrl": ".", "paths": { "@/*": ["src/*"], }, },\n}\n`);
    p.write('package.json', JSON.stringify({ name: 'app', imports: { '#util/*': './src/util/*.ts' } }));
    p.write('src/main.ts', `import { a } from '@/lib/a';\nimport { u } from '#util/u';\nimport { x } from 'somepkg';\nexport const m = a + u + x;\n`);
    p.write('src/lib/a.ts', `export const a = 1;\n`);
    p.write('src/util/u.ts', `export const u = 1;\n`);
    p.write('node_modules/somepkg/index.ts', `export const x = 1;\n`);
    const d = (m: ProcManager) => m.proc('bundle', { inputs: ['src/main.ts'], trackImports: true }, (ctx) => Object.keys(ctx.inputFingerprint ?? {}));
    const first = await runOnce(d, ['bundle']);
    expect(first.results().bundle).toEqual(['src/lib/a.ts', 'src/main.ts', 'src/util/u.ts']);
    p.write('src/lib/a.ts', `export const a = 2;\n`);
    expect((await runOnce(d, ['bundle'])).reasonOf('bundle')).toBe('input changed: src/lib/a.ts');
  });

  test('the manager option turns it on for every proc; imports outside importRoots are ignored', async () => {
    p.write('app/main.ts', `import '../shared/s.ts';\nimport './local.ts';\n`);
    p.write('app/local.ts', ``);
    p.write('shared/s.ts', ``);
    const pm = await runOnce((m) => m.proc('x', { inputs: ['app/main.ts'] }, (ctx) => Object.keys(ctx.inputFingerprint ?? {})), ['x'], {
      trackImports: true,
      importRoots: [p.path('app')],
    });
    expect(pm.results().x).toEqual(['app/local.ts', 'app/main.ts']);
  });
});

describe('placeholders in file specs', () => {
  test('[param] in inputs, inputsIgnore and outputs strings is filled from the args', async () => {
    p.write('apps/web/main.ts', '');
    p.write('apps/web/main.test.ts', '');
    p.write('apps/api/main.ts', '');
    const d = (m: ProcManager) =>
      m.proto('bundle::[app]', { inputs: ['apps/[app]/**/*.ts'], inputsIgnore: ['apps/[app]/*.test.ts'], outputs: [output('dist/[app].js')] }, (ctx, { app }) => {
        p.write(`dist/${app}.js`, 'x');
        return Object.keys(ctx.inputFingerprint ?? {});
      });
    const pm = await runOnce(d, ['bundle::web']);
    expect(pm.results()['bundle::web']).toEqual(['apps/web/main.ts']);
    expect(Project.states(await runOnce(d, ['bundle::web']))['bundle::web']).toBe('up-to-date');
  });
});
