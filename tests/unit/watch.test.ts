/**
 * Watch mode on real files, real watchers and real timers (issue 10). Tests wait for events
 * (`watch-ready`, `watch-rebuild`, `run-end`), never for fixed sleeps: a change that must not
 * trigger is followed by one that must, and the rebuild that comes names only the latter.
 */
import { afterEach, beforeEach, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProcManager, UserError, type RunEvent } from '../../src/index.ts';
import { runScript } from '../helpers/script.ts';

setDefaultTimeout(30_000);

let dir = '';
const cwd = process.cwd();
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'parproc-watch-'));
  process.chdir(dir);
});
afterEach(() => {
  process.chdir(cwd);
  rmSync(dir, { recursive: true, force: true });
});

const write = (rel: string, text: string) => {
  mkdirSync(join(dir, rel, '..'), { recursive: true });
  writeFileSync(join(dir, rel), text);
};

type Rebuild = Extract<RunEvent, { type: 'watch-rebuild' }>;

/** A watching manager with helpers that wait for its events. */
function watching(opts: { debounce?: number; db?: boolean; fingerprint?: 'hash' | 'mtime' } = {}) {
  const pm = new ProcManager({
    display: false,
    watch: true,
    watchDebounce: opts.debounce ?? 0.05,
    logDir: join(dir, 'logs'),
    taskDbPath: opts.db ? join(dir, '.parproc', 'parproc.db') : null,
    fingerprint: opts.fingerprint ?? 'mtime',
  });
  const events: RunEvent[] = [];
  const waiters: { pred: (e: RunEvent) => boolean; resolve: (e: RunEvent) => void }[] = [];
  pm.onEvent((e) => {
    events.push(e);
    for (const w of [...waiters]) {
      if (w.pred(e)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(e);
      }
    }
  });
  const next = (pred: (e: RunEvent) => boolean) => new Promise<RunEvent>((resolve) => waiters.push({ pred, resolve }));
  const ac = new AbortController();
  let done: Promise<void> | null = null;
  const runs: string[] = [];
  return {
    pm,
    events,
    runs,
    next,
    nextRebuild: () => next((e) => e.type === 'watch-rebuild') as Promise<Rebuild>,
    nextRunEnd: () => next((e) => e.type === 'run-end'),
    /** Runs `names`, then starts watching; resolves once armed. */
    async start(...names: string[]) {
      pm.start(names);
      await pm.waitForAll({ throwOnFailure: false });
      const ready = next((e) => e.type === 'watch-ready');
      done = pm.watch(undefined, { signal: ac.signal });
      await ready;
    },
    /** Stops watching; resolves when watch() did. */
    async stop() {
      ac.abort();
      await done;
      pm.close();
    },
    count: (name: string) => runs.filter((r) => r === name).length,
    /**
     * Writes `rel` with each text in turn, waiting for each rebuild (which must name just `rel` as
     * changed) to end: a rebuild's own writes starting another would be named in the next.
     */
    async rebuildsOn(rel: string, ...texts: string[]) {
      for (const text of texts) {
        const rebuilt = next((e) => e.type === 'watch-rebuild') as Promise<Rebuild>;
        write(rel, text);
        expect((await rebuilt).changed).toEqual([rel]);
        await next((e) => e.type === 'run-end');
      }
    },
  };
}

describe('arming', () => {
  test('watch() needs watch: true', async () => {
    const pm = new ProcManager({ display: false, logDir: join(dir, 'logs') });
    await expect(pm.watch()).rejects.toThrow(UserError);
    await expect(pm.watch()).rejects.toThrow(/watch: true/);
  });

  test('watch-ready once armed; aborting the signal ends watch() promptly', async () => {
    write('in.txt', 'a');
    const w = watching();
    w.pm.proc('p', { inputs: ['in.txt'] }, () => 1);
    await w.start('p');
    expect(w.events.filter((e) => e.type === 'watch-ready')).toHaveLength(1);
    await w.stop(); // resolves: watchers closed, no timers left (the test would hang otherwise)
  });

  test('with nothing to watch, watch() says so and still holds the process until its signal aborts', async () => {
    // An unref'd timer keeps nothing alive: it fires only if watching holds the process.
    const r = await runScript(`import { ProcManager } from LIB;
const pm = new ProcManager({ display: false, watch: true, logDir: DIR + '/logs' });
pm.onEvent((e) => { if (e.type === 'warning') console.log('warning:', e.message); });
pm.proc('p', () => 1);
pm.start('p');
await pm.waitForAll();
const ac = new AbortController();
setTimeout(() => { console.log('still watching'); ac.abort(); }, 100).unref();
await pm.watch(undefined, { signal: ac.signal });
console.log('watch over');
`);
    expect([r.code, r.stdout]).toEqual([0, 'warning: watch: none of the watched procs has inputs, so no input change can rebuild anything\nstill watching\nwatch over\n']);
  });
});

describe('rebuilds', () => {
  test('a rebuild lists its procs in dependency order', async () => {
    write('src/g.ts', '1');
    const w = watching();
    w.pm.proc('gen', { inputs: ['src/g.ts'] }, () => null);
    w.pm.proc('b1', { deps: ['gen'] }, () => null);
    w.pm.proc('b2', { deps: ['gen'] }, () => null);
    w.pm.proc('report', { deps: ['b1', 'b2'] }, () => null);
    w.pm.proc('top', { deps: ['report'] }, () => null);
    await w.start('top');
    const rebuilt = w.nextRebuild();
    const ended = w.nextRunEnd();
    write('src/g.ts', '2');
    expect((await rebuilt).procs).toEqual(['gen', 'b1', 'b2', 'report', 'top']);
    await ended;
    await w.stop();
  });

  test('a change re-runs its owner and the procs downstream, nothing else', async () => {
    write('src/a.ts', '1');
    write('src/b.ts', '1');
    const w = watching();
    w.pm.proc('a', { inputs: ['src/a.ts'] }, () => void w.runs.push('a'));
    w.pm.proc('b', { inputs: ['src/b.ts'] }, () => void w.runs.push('b'));
    w.pm.proc('top', { deps: ['a', 'b'] }, () => void w.runs.push('top'));
    await w.start('top');
    const rebuilt = w.nextRebuild();
    const ended = w.nextRunEnd();
    write('src/a.ts', '2');
    const e = await rebuilt;
    expect(e.changed).toEqual(['src/a.ts']);
    expect(e.procs.sort()).toEqual(['a', 'top']);
    await ended;
    expect([w.count('a'), w.count('b'), w.count('top')]).toEqual([2, 1, 2]);
    const gen = w.pm.getProcs();
    expect([gen.get('a')?.generation, gen.get('b')?.generation]).toEqual([1, 0]);
    // Which generation each last completed: a's rebuild, b's first run.
    expect([gen.get('a')?.completedGeneration, gen.get('b')?.completedGeneration, gen.get('top')?.completedGeneration]).toEqual([1, 0, 1]);
    await w.stop();
  });

  test('a burst of writes (500 files, an editor\'s temp-and-rename) is one rebuild', async () => {
    for (let i = 0; i < 500; i++) write(`src/f${i}.ts`, 'x');
    const w = watching({ debounce: 0.3 });
    w.pm.proc('build', { inputs: ['src/**/*.ts'] }, () => void w.runs.push('build'));
    await w.start('build');
    const ended = w.nextRunEnd();
    for (let i = 0; i < 500; i++) write(`src/f${i}.ts`, 'y'); // a checkout touching 500 files
    writeFileSync(join(dir, 'src/.f0.ts.swp'), 'tmp'); // editor: write a temp file, rename over
    renameSync(join(dir, 'src/.f0.ts.swp'), join(dir, 'src/f0.ts'));
    await ended;
    const ended2 = w.nextRunEnd();
    write('src/f1.ts', 'z'); // a later, separate change
    await ended2;
    expect(w.events.filter((e) => e.type === 'watch-rebuild')).toHaveLength(2);
    expect(w.count('build')).toBe(3);
    await w.stop();
  });

  test('globs: a new matching file counts; non-matching, ignored, log and .parproc paths, and a proc\'s writes to its outputs, do not', async () => {
    write('src/a.ts', '1');
    write('src/gen/keep.ts', '1');
    const w = watching({ db: true });
    w.pm.setOptions({ globalInputsIgnore: ['**/*.skip.ts'] });
    w.pm.proc('build', { inputs: ['src/**/*.ts'], inputsIgnore: ['src/vendor'], outputs: ['src/out.ts', 'src/types/*.d.ts', 'src/dist'] }, () => {
      w.runs.push('build');
      writeFileSync(join(dir, 'src/out.ts'), `// ${w.runs.length}`);
      mkdirSync(join(dir, 'src/types'), { recursive: true });
      mkdirSync(join(dir, 'src/dist'), { recursive: true });
      writeFileSync(join(dir, 'src/types/out.d.ts'), `// ${w.runs.length}`);
      console.log('log output');
    });
    await w.start('build');
    const rebuilt = w.nextRebuild();
    write('src/notes.md', 'no'); // does not match the glob
    write('src/vendor/lib.ts', 'no'); // inputsIgnore
    write('src/x.skip.ts', 'no'); // globalInputsIgnore
    write('.parproc/other', 'no'); // parproc's own dir (the DB is in it too)
    write('src/.cache/x.ts', 'no'); // a name that starts with a dot: a glob passes over it
    write('src/.y.ts', 'no');
    write('src/new.ts', 'yes'); // a new file under the glob root
    const e = await rebuilt;
    expect(e.changed).toEqual(['src/new.ts']);
    await w.nextRunEnd();
    expect(w.count('build')).toBe(2);
    expect(w.pm.getProcs().get('build')?.state).toBe('succeeded');
    // Its writes to its outputs (src/out.ts, src/types/out.d.ts) in that run started nothing: the
    // next rebuild is this edit's alone.
    await w.rebuildsOn('src/a.ts', '2');
    expect(w.count('build')).toBe(3);
    await w.stop();
  });

  test('a trace file the inputs match is written at every run end, and starts no rebuild', async () => {
    write('conf.json', '{}');
    const w = watching();
    w.pm.setOptions({ traceFile: join(dir, 'trace.json') });
    w.pm.proc('conf', { inputs: ['*.json'] }, () => void w.runs.push('conf'));
    await w.start('conf');
    // Before: each rebuild's trace started the next, for ever. Two edits: two rebuilds, the
    // second naming only its own file.
    await w.rebuildsOn('conf.json', '{"a":1}', '{"a":2}');
    expect(w.count('conf')).toBe(3);
    await w.stop();
  });

  test("a hand edit of a file a proc rewrites (a formatter's outputs are its inputs) rebuilds it and its readers; its own rewrite does not", async () => {
    write('src/a.ts', 'let a=1');
    const w = watching();
    w.pm.proc('fmt', { inputs: ['src/*.ts'], outputs: ['src/*.ts'] }, () => {
      w.runs.push('fmt');
      const text = readFileSync(join(dir, 'src/a.ts'), 'utf8');
      if (text.includes('=') && !text.includes(' = ')) writeFileSync(join(dir, 'src/a.ts'), text.replace('=', ' = '));
    });
    w.pm.proc('test', { inputs: ['src/*.ts'] }, () => void w.runs.push('test'));
    await w.start('fmt', 'test');
    expect(readFileSync(join(dir, 'src/a.ts'), 'utf8')).toBe('let a = 1');
    // An edit made later (dated a second on, as a person's would be). Before, a declared output
    // never counted: neither the formatter nor the tests, which read the same files, ran again.
    const editLater = async (rel: string, text: string) => {
      const rebuilt = w.nextRebuild();
      const ended = w.nextRunEnd();
      write(rel, text);
      utimesSync(join(dir, rel), new Date(), new Date(Date.now() + 1000));
      const e = await rebuilt;
      await ended;
      return e;
    };
    const first = await editLater('src/a.ts', 'let b=2');
    expect([first.changed, first.procs.sort()]).toEqual([['src/a.ts'], ['fmt', 'test']]);
    expect(readFileSync(join(dir, 'src/a.ts'), 'utf8')).toBe('let b = 2');
    // The formatter's rewrite in that rebuild started nothing: the next rebuild is this edit's.
    expect((await editLater('src/b.ts', 'let c = 3')).changed).toEqual(['src/b.ts']);
    expect([w.count('fmt'), w.count('test')]).toEqual([3, 3]);
    await w.stop();
  });

  test('named: only the inputs of the named procs and their deps are watched', async () => {
    write('a.txt', '1');
    write('b.txt', '1');
    const w = watching();
    w.pm.proc('a', { inputs: ['a.txt'] }, () => void w.runs.push('a'));
    w.pm.proc('b', { inputs: ['b.txt'] }, () => void w.runs.push('b'));
    w.pm.proc('app', { deps: ['a'] }, () => void w.runs.push('app'));
    w.pm.start('app', 'b');
    await w.pm.waitForAll();
    const ac = new AbortController();
    const ready = w.next((e) => e.type === 'watch-ready');
    const done = w.pm.watch(['app'], { signal: ac.signal });
    await ready;
    const rebuilt = w.nextRebuild();
    write('b.txt', '2'); // not watched: b is not app or one of its deps
    write('a.txt', '2');
    expect((await rebuilt).changed).toEqual(['a.txt']);
    await w.nextRunEnd();
    expect([w.count('a'), w.count('b'), w.count('app')]).toEqual([2, 1, 2]);
    ac.abort();
    await done;
    w.pm.close();
  });
});

describe('changes during a run', () => {
  test('a running proc whose input changes is stopped and runs again; never two copies; dependents wait', async () => {
    write('in.txt', 'v1');
    const w = watching();
    let live = 0;
    let peak = 0;
    let slowRuns = 0;
    const started = { resolve: () => {} };
    w.pm.proc('slow', { inputs: ['in.txt'] }, async (ctx) => {
      w.runs.push('slow');
      slowRuns++;
      peak = Math.max(peak, ++live);
      started.resolve();
      try {
        // Long unless stopped: the first rebuild's run is stopped by the second change.
        await new Promise<void>((res) => {
          const t = setTimeout(res, slowRuns === 2 ? 10_000 : 10);
          ctx.signal.addEventListener('abort', () => {
            clearTimeout(t);
            res();
          });
        });
      } finally {
        live--;
      }
      return Bun.file(join(dir, 'in.txt')).text();
    });
    w.pm.proc('after', { deps: ['slow'] }, (ctx) => {
      w.runs.push('after');
      return ctx.results.slow;
    });
    await w.start('after');
    const runningAgain = new Promise<void>((res) => (started.resolve = res));
    write('in.txt', 'v2');
    await runningAgain; // the rebuild's run of slow has started
    const restarted = w.nextRebuild();
    write('in.txt', 'v3'); // changes while slow runs: it is stopped and runs again
    const e = await restarted;
    expect(e.procs).toContain('slow');
    await w.next((ev) => ev.type === 'proc-state' && ev.name === 'after' && ev.state === 'succeeded' && w.count('slow') === 3);
    expect(peak).toBe(1);
    expect(w.pm.results().after).toBe('v3');
    expect(w.count('after')).toBe(2); // after ran once per completed rebuild of slow, never on the stopped run
    await w.stop();
  });

  test('a change to a finished proc during a rebuild waits for one follow-up rebuild', async () => {
    write('slow.txt', '1');
    write('quick.txt', '1');
    const w = watching();
    let release = () => {};
    w.pm.proc('slow', { inputs: ['slow.txt'] }, async () => {
      w.runs.push('slow');
      if (w.count('slow') === 2) await new Promise<void>((res) => (release = res));
    });
    w.pm.proc('quick', { inputs: ['quick.txt'] }, () => void w.runs.push('quick'));
    await w.start('slow', 'quick');
    const slowRunning = w.next((e) => e.type === 'proc-state' && e.name === 'slow' && e.state === 'running');
    write('slow.txt', '2');
    await slowRunning; // a rebuild is under way, slow is held
    // One batch: slow (running) is stopped and runs again now; quick (finished) waits.
    const restart = w.next((e) => e.type === 'watch-rebuild' && (e as Rebuild).procs.includes('slow'));
    write('quick.txt', '2');
    write('slow.txt', '3');
    const r = (await restart) as Rebuild;
    expect(r.procs).toEqual(['slow']);
    expect(w.count('quick')).toBe(1);
    const followUp = w.next((e) => e.type === 'watch-rebuild' && (e as Rebuild).procs.includes('quick'));
    release();
    expect(((await followUp) as Rebuild).changed).toEqual(['quick.txt']);
    await w.nextRunEnd();
    expect([w.count('slow'), w.count('quick')]).toEqual([3, 2]);
    expect(w.events.filter((e) => e.type === 'watch-rebuild')).toHaveLength(3);
    await w.stop();
  });

  test('a scratch file a proc writes and removes in its input directory during its run starts nothing; removing an input does', async () => {
    write('src/a.ts', '1');
    const w = watching();
    w.pm.proc('build', { inputs: ['src/*.ts'] }, async () => {
      w.runs.push('build');
      writeFileSync(join(dir, 'src/scratch.ts'), '// scratch');
      await Bun.sleep(20);
      rmSync(join(dir, 'src/scratch.ts'));
    });
    await w.start('build');
    // Before, each run's scratch file started one more rebuild: the second would have named it.
    await w.rebuildsOn('src/a.ts', '2', '3');
    expect(w.count('build')).toBe(3);
    const rebuilt = w.nextRebuild();
    const ended = w.nextRunEnd();
    rmSync(join(dir, 'src/a.ts'));
    expect((await rebuilt).changed).toEqual(['src/a.ts']);
    await ended;
    await w.stop();
  });

  test('a proc rewriting one of its inputs it did not declare as an output does not loop', async () => {
    write('src/a.ts', '1');
    write('src/gen.ts', '// gen');
    const w = watching();
    w.pm.proc('gen', { inputs: ['src/*.ts'] }, () => {
      w.runs.push('gen');
      writeFileSync(join(dir, 'src/gen.ts'), '// gen'); // the same text: only its mtime moves
    });
    await w.start('gen');
    // Before: each run's rewrite of src/gen.ts started the next rebuild, for ever; the second
    // would have named it.
    await w.rebuildsOn('src/a.ts', '2', '3');
    expect(w.count('gen')).toBe(3);
    await w.stop();
  });

  test('a generator writing new files into its own input directory does not loop', async () => {
    write('src/a.ts', '1');
    const w = watching();
    w.pm.proc('gen', { inputs: ['src/*.ts'] }, () => {
      w.runs.push('gen');
      writeFileSync(join(dir, `src/generated-${w.runs.length}.ts`), '// generated');
    });
    await w.start('gen');
    const ended = w.nextRunEnd();
    write('src/a.ts', '2');
    await ended;
    // Its own new file (written during its run) did not trigger: the next rebuild is ours.
    await w.rebuildsOn('src/a.ts', '3');
    expect(w.count('gen')).toBe(3);
    await w.stop();
  });
});

describe('robustness and incremental runs', () => {
  test('a deleted and re-created input directory is watched again', async () => {
    write('data/in.txt', '1');
    const w = watching();
    w.pm.proc('p', { inputs: ['data/*.txt'] }, () => void w.runs.push('p'));
    await w.start('p');
    const first = w.nextRunEnd();
    rmSync(join(dir, 'data'), { recursive: true });
    await first; // the deletion is a change too
    const rebuilt = w.next((e) => e.type === 'watch-rebuild' && (e as Rebuild).changed.includes('data/again.txt'));
    write('data/again.txt', '2');
    await rebuilt;
    await w.nextRunEnd();
    expect(w.count('p')).toBe(3);
    await w.stop();
  });

  test('an input directory moved away is a change (its files went with it), and moved back, another', async () => {
    write('src/a.ts', '1');
    write('src/deep/b.ts', '2');
    const w = watching();
    w.pm.proc('p', { inputs: ['src/**/*.ts'] }, (ctx) => void w.runs.push(`p ${Object.keys(ctx.inputFingerprint ?? {}).length}`));
    w.pm.proc('q', { inputs: ['src/a.ts'] }, () => void w.runs.push('q'));
    await w.start('p', 'q');
    // Before, a rename of the root made no rebuild: only its own path was reported, which no glob matches.
    const away = w.nextRebuild();
    renameSync(join(dir, 'src'), join(dir, 'elsewhere'));
    expect((await away).procs.sort()).toEqual(['p', 'q']);
    await w.nextRunEnd();
    expect(w.runs.slice(0, 2).sort()).toEqual(['p 2', 'q']);
    expect(w.runs.slice(2).sort()).toEqual(['p 0', 'q']);
    const back = w.nextRebuild();
    renameSync(join(dir, 'elsewhere'), join(dir, 'src'));
    expect((await back).procs.sort()).toEqual(['p', 'q']);
    await w.nextRunEnd();
    expect(w.runs.slice(4).sort()).toEqual(['p 2', 'q']);
    await w.stop();
  });

  test('an input that is a symlink: an edit of the file it leads to, outside the watched directory, rebuilds', async () => {
    write('shared/config.json', '1');
    write('src/a.ts', '1');
    symlinkSync('../shared/config.json', join(dir, 'src/config.json'));
    const w = watching();
    w.pm.proc('p', { inputs: ['src/*'] }, () => void w.runs.push('p'));
    await w.start('p');
    await w.rebuildsOn('shared/config.json', '2');
    expect(w.count('p')).toBe(2);
    await w.stop();
  });

  test('a long session does not grow: results a later run replaced and each execution\'s abort scope are let go', async () => {
    write('in.txt', '0');
    const w = watching({ debounce: 0.005 });
    const names: string[] = [];
    for (let i = 0; i < 20; i++) names.push(w.pm.proc(`p${i}`, { inputs: ['in.txt'] }, () => ({ i, pad: 'x'.repeat(1000) })));
    await w.start(...names);
    const heap = () => {
      Bun.gc(true);
      return process.memoryUsage().heapUsed;
    };
    let k = 0;
    const rebuilds = async (n: number) => {
      for (const end = k + n; k < end; k++) {
        const ended = w.nextRunEnd();
        write('in.txt', String(k));
        await ended;
      }
    };
    await rebuilds(20);
    const early = new WeakRef(w.pm.results().p0 as object);
    await rebuilds(80);
    const before = heap();
    await rebuilds(300);
    const grown = heap() - before;
    // Before: every result of every run stayed in the manager's log (~1 KB each here), and each
    // execution's AbortSignal.any signal with its listeners (~2.5 KB): some 20 MB over these 300.
    // Now the log keeps at most one result per proc plus ~1,000 entries between compactions.
    expect(early.deref()).toBeUndefined();
    expect(grown).toBeLessThan(5_000_000);
    await w.stop();
  });

  test('a long session in worker mode does not grow either: an execution lets go of its worker when it ends', async () => {
    // A script of its own: worker procs are found again at the top level of their module.
    const r = await runScript(`import { ProcManager } from LIB;
import { writeFileSync } from 'node:fs';
const dir = DIR;
writeFileSync(dir + '/in.txt', '0');
const pm = new ProcManager({ display: false, watch: true, watchDebounce: 0.005, mode: 'worker', parallel: 4, logDir: dir + '/logs' });
const names = [];
for (let i = 0; i < 20; i++) names.push(pm.proc('p' + i, { inputs: ['in.txt'] }, () => i));
pm.start(names);
await pm.waitForAll();
let ended = () => {};
pm.onEvent((e) => { if (e.type === 'run-end') ended(); });
let armed = () => {};
const ready = new Promise((r) => (armed = r));
pm.onEvent((e) => { if (e.type === 'watch-ready') armed(); });
const ac = new AbortController();
const done = pm.watch(undefined, { signal: ac.signal });
await ready;
const rebuilds = async (n) => { for (let k = 0; k < n; k++) { const p = new Promise((r) => (ended = r)); writeFileSync(dir + '/in.txt', String(Math.random())); await p; } };
const heap = () => { Bun.gc(true); return process.memoryUsage().heapUsed; };
await rebuilds(50);
const before = heap();
await rebuilds(250);
writeFileSync(dir + '/report.txt', JSON.stringify({ grown: heap() - before }));
ac.abort();
await done;
pm.close();
`);
    expect(r.code, r.stderr).toBe(0);
    // Before: each execution's reaction on its worker's end kept its closures: about 18 MB here.
    expect(JSON.parse(r.report).grown).toBeLessThan(4_000_000);
  });

  /** Under polling (PARPROC_WATCH_POLL=1, as after ENOSPC/EMFILE), a write to `file` rebuilds the proc with `inputs`. */
  async function pollingSees(inputs: string[], file: string): Promise<void> {
    process.env.PARPROC_WATCH_POLL = '1';
    try {
      const w = watching();
      w.pm.proc('p', { inputs }, () => void w.runs.push('p'));
      await w.start('p');
      await w.rebuildsOn(file, '22');
      expect(w.count('p')).toBe(2);
      await w.stop();
    } finally {
      delete process.env.PARPROC_WATCH_POLL;
    }
  }

  test('polling (PARPROC_WATCH_POLL=1, as after ENOSPC/EMFILE) sees changes too', async () => {
    write('in.txt', '1');
    await pollingSees(['in.txt'], 'in.txt');
  });

  test('polling with a loop of symlinks under a watched directory still sees its files change', async () => {
    write('src/a/in.txt', '1');
    symlinkSync('..', join(dir, 'src', 'a', 'loop'));
    await pollingSees(['src/**/*.txt'], 'src/a/in.txt');
  });

  test('with the task DB and hash fingerprints, restoring a file\'s content makes its proc up to date again', async () => {
    write('in.txt', 'original');
    const w = watching({ db: true, fingerprint: 'hash' });
    w.pm.proc('p', { inputs: ['in.txt'] }, () => void w.runs.push('p'));
    await w.start('p');
    let ended = w.nextRunEnd();
    write('in.txt', 'edited');
    await ended;
    expect(w.count('p')).toBe(2);
    ended = w.nextRunEnd();
    write('in.txt', 'edited'); // same content again: up to date, not run
    await ended;
    expect(w.count('p')).toBe(2);
    expect(w.pm.getProcs().get('p')?.state).toBe('up-to-date');
    await w.stop();
  });
});
