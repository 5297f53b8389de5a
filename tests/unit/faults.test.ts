/**
 * Faults of the disk and the task DB never fail or stall a run (issue 8): unwritable logs, names
 * too long for the file system, malformed cache rows, a DB locked by another process, and prompts
 * given up when their proc stops.
 */
import { Database } from 'bun:sqlite';
import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunEvent } from '../../src/index.ts';
import { fileSafeName, procNameOf } from '../../src/util/file-safe.ts';
import { fsErrorText } from '../../src/util/fs.ts';
import { rig } from '../helpers/manager.ts';
import { projectPerTest } from '../helpers/project.ts';
import { ROOT } from '../helpers/cli-rig.ts';

setDefaultTimeout(20_000);

const warnings = (events: RunEvent[]) => events.filter((e) => e.type === 'warning').map((e) => (e as { message: string }).message);

describe('logs that cannot be written', () => {
  test('a name longer than the file system allows gets a shortened, one-to-one log name', async () => {
    using r = rig();
    const long = 'x'.repeat(300);
    r.pm.proc(`${long}a`, () => console.log('from a'));
    r.pm.proc(`${long}b`, () => console.log('from b'));
    r.pm.start(`${long}a`, `${long}b`);
    expect(await r.pm.waitForAll()).toBe(true);
    const a = r.pm.getProcs().get(`${long}a`)!.logFile!;
    const b = r.pm.getProcs().get(`${long}b`)!.logFile!;
    expect(a).not.toBe(b);
    expect(Buffer.byteLength(a.split('/').pop()!)).toBeLessThan(255);
    expect(readFileSync(a, 'utf8')).toBe('from a\n');
    expect(readFileSync(b, 'utf8')).toBe('from b\n');
    // A short name is never mistaken for a shortened one.
    expect(fileSafeName('a~b')).toBe('a%7Eb');
  });

  test('a name is kept as it is exactly when it is all letters, digits and `._:@+=,-`, with no leading dot', () => {
    const kept = (c: string) => /[A-Za-z0-9_:@+=,.-]/.test(c);
    for (let code = 0; code < 128; code++) {
      const c = String.fromCharCode(code);
      expect(fileSafeName(`a${c}b`) === `a${c}b`).toBe(kept(c));
      expect(fileSafeName(`${c}b`) === `${c}b`).toBe(kept(c) && c !== '.');
    }
    expect(fileSafeName('é')).toBe('%C3%A9');
    expect(fileSafeName('')).toBe('');
  });

  test('a log file name gives its proc name back (clean --logs with globs); a shortened one gives none', () => {
    for (const n of ['build::dev', 'a/b', 'a%2Fb', 'ship 🚀', '.hidden', 'x~y']) expect(procNameOf(fileSafeName(n))).toBe(n);
    expect(procNameOf(fileSafeName('x'.repeat(300)))).toBeNull();
  });

  test('file system errors in words: a file where a directory should be, with the code', () => {
    using r = rig();
    const file = join(r.dir, 'afile');
    writeFileSync(file, '');
    const thrown = (f: () => unknown): unknown => {
      try {
        f();
      } catch (err) {
        return err;
      }
      throw new Error('did not throw');
    };
    expect(fsErrorText(thrown(() => mkdirSync(file, { recursive: true })))).toBe(`${file} is a file, not a directory (EEXIST)`);
    expect(fsErrorText(thrown(() => mkdirSync(join(file, 'sub'), { recursive: true })))).toBe(`a part of ${join(file, 'sub')} is a file, not a directory (ENOTDIR)`);
    expect(fsErrorText(thrown(() => writeFileSync(join(file, 'x.log'), 'x')))).toBe(`a part of ${join(file, 'x.log')} is a file, not a directory (ENOTDIR)`);
    expect(fsErrorText(new Error('something else'))).toBe('something else');
    expect(fsErrorText('a string')).toBe('a string');
  });

  test('names with characters outside the BMP get files of their own', async () => {
    // Encoded a UTF-16 half at a time, both emoji became the same two replacement characters.
    expect(fileSafeName('ship 🚀')).toBe('ship%20%F0%9F%9A%80');
    expect(fileSafeName('ship 🎉')).toBe('ship%20%F0%9F%8E%89');
    // Half a pair on its own, which UTF-8 cannot hold, is kept apart from the other half.
    expect(fileSafeName('a\ud83d')).toBe('a%uD83D');
    expect(fileSafeName('a\ude80')).toBe('a%uDE80');
    using r = rig();
    r.pm.proc('ship 🚀', () => console.log('rocket'));
    r.pm.proc('ship 🎉', () => console.log('party'));
    r.pm.start('ship 🚀', 'ship 🎉');
    expect(await r.pm.waitForAll()).toBe(true);
    const rocket = r.pm.getProcs().get('ship 🚀')!.logFile!;
    const party = r.pm.getProcs().get('ship 🎉')!.logFile!;
    expect(rocket).not.toBe(party);
    expect(readFileSync(rocket, 'utf8')).toBe('rocket\n');
    expect(readFileSync(party, 'utf8')).toBe('party\n');
  });

  test('an unwritable logDir: procs run, output still reaches events, one warning', async () => {
    using r = rig();
    writeFileSync(join(r.dir, 'not-a-dir'), '');
    r.pm.setOptions({ logDir: join(r.dir, 'not-a-dir', 'logs') });
    const big = 'y'.repeat(70 * 1024); // over the 64 KB flush threshold: flushes inside console.log
    for (let i = 0; i < 5; i++) {
      r.pm.proc(`p${i}`, () => {
        console.log(big);
        return i;
      });
    }
    r.pm.start(['p0', 'p1', 'p2', 'p3', 'p4']);
    expect(await r.pm.waitForAll()).toBe(true);
    expect(r.pm.results()).toEqual({ p0: 0, p1: 1, p2: 2, p3: 3, p4: 4 });
    expect(warnings(r.events)).toHaveLength(1);
    expect(warnings(r.events)[0]).toMatch(/not-a-dir/);
    const out = r.events.filter((e) => e.type === 'proc-output' && e.name === 'p3').map((e) => (e as { text: string }).text).join('');
    expect(out.length).toBe(big.length + 1);
  });

  test('a full disk (writes fail with ENOSPC): the proc succeeds, one warning', async () => {
    using r = rig();
    mkdirSync(join(r.dir, 'logs'), { recursive: true });
    symlinkSync('/dev/full', join(r.dir, 'logs', 'noisy.log'));
    r.pm.proc('noisy', () => {
      for (let i = 0; i < 3; i++) console.log('z'.repeat(40 * 1024));
      return 'done';
    });
    r.pm.start('noisy');
    expect(await r.pm.waitForAll()).toBe(true);
    expect(r.pm.results().noisy).toBe('done');
    expect(warnings(r.events)).toHaveLength(1);
    expect(warnings(r.events)[0]).toMatch(/ENOSPC|no space/i);
  });
});

describe('the task DB', () => {
  const p = projectPerTest();

  test('a cached row of the wrong shape means "must run", never a stuck proc', async () => {
    p.write('in.txt', 'x');
    {
      const { pm } = p.manager();
      pm.proc('cached', { inputs: ['in.txt'] }, () => 'first');
      pm.start('cached');
      await pm.waitForAll();
      pm.close();
    }
    const db = new Database(p.db);
    for (const inputs of ['"oops"', '[1,2]', '{"in.txt": "bad"}', '{"in.txt": [1]}']) {
      db.run('UPDATE results SET inputs = ? WHERE proc = ?', [inputs, 'cached']);
      const { pm } = p.manager();
      pm.proc('cached', { inputs: ['in.txt'] }, () => 'again');
      pm.start('cached');
      expect(await pm.waitForAll()).toBe(true);
      expect(pm.getProcs().get('cached')?.state).toBe('succeeded');
      expect(pm.reasonOf('cached')).toBe('no cached result');
      pm.close();
      db.run('UPDATE results SET inputs = ? WHERE proc = ?', ['{}', 'cached']);
    }
    db.close();
  });

  test('a DB locked by another process never blocks the event loop; the batch is kept and written later', async () => {
    // Create the DB, then hold its write lock from another connection.
    {
      const { pm } = p.manager();
      pm.proc('warmup', { deps: [] }, () => 0);
      pm.start('warmup');
      await pm.waitForAll();
      pm.close();
    }
    const locker = new Database(p.db);
    locker.exec('BEGIN IMMEDIATE');
    const { pm, events } = p.manager();
    for (let i = 0; i < 30; i++) pm.proc(`q${i}`, { inputs: [] }, async () => i);
    let last = performance.now();
    let maxGap = 0;
    const ticker = setInterval(() => {
      const now = performance.now();
      maxGap = Math.max(maxGap, now - last);
      last = now;
    }, 5);
    pm.onEvent((e) => {
      // Let go of the lock a little after the run ended, while the end-of-run flush retries.
      if (e.type === 'run-end') setTimeout(() => locker.exec('COMMIT'), 150);
    });
    pm.start(Array.from({ length: 30 }, (_, i) => `q${i}`));
    expect(await pm.waitForAll()).toBe(true);
    clearInterval(ticker);
    locker.close();
    // The old code blocked for the 5 s busy timeout; a loaded machine may add some noise.
    expect(maxGap).toBeLessThan(1000);
    // The lock was let go within the retries: no warning (sharing a DB is normal).
    expect(warnings(events)).toEqual([]);
    pm.close();
    const check = new Database(p.db, { readonly: true });
    const n = (check.query("SELECT count(*) AS n FROM runs WHERE proc LIKE 'q%'").get() as { n: number }).n;
    check.close();
    expect(n).toBe(30);
  });
});

describe('prompts', () => {
  test('a prompt is given up when its proc times out: the script ends and later prompts are asked', async () => {
    const script = join(ROOT, 'tests', 'fixtures', 'prompt-timeout.ts');
    const child = Bun.spawn([process.execPath, script], { stdin: 'pipe', stdout: 'pipe', stderr: 'pipe', env: process.env });
    // stdin stays open (a terminal nobody answers): only the abort can end the first question.
    const out = new Response(child.stdout).text();
    const err = new Response(child.stderr).text();
    const first = await Promise.race([child.exited.then(() => 'exited'), Bun.sleep(15_000).then(() => 'hung')]);
    if (first === 'hung') child.kill('SIGKILL');
    expect(first).toBe('exited');
    expect(await child.exited).toBe(0);
    expect(JSON.parse(await out)).toEqual({ asker: 'timeout', late: 'timeout' });
    expect(await err).toContain('Question?');
    expect(await err).toContain('Later?');
  });
});

test('no stray default log dirs: a manager without failures removes its temp log dir at exit', async () => {
  const script = `
    import { ProcManager } from ${JSON.stringify(join(ROOT, 'src', 'index.ts'))};
    const ok = new ProcManager({ display: false });
    ok.proc('talk', () => console.log('hi'));
    ok.start('talk');
    await ok.waitForAll();
    const bad = new ProcManager({ display: false });
    bad.proc('boom', () => { throw new Error('boom'); });
    bad.start('boom');
    await bad.waitForAll({ throwOnFailure: false });
    process.stdout.write(JSON.stringify([ok.getProcs().get('talk').logFile, bad.getProcs().get('boom').logFile]));
  `;
  const r = Bun.spawnSync([process.execPath, '-e', script], { env: process.env });
  expect(r.exitCode).toBe(0);
  const [okLog, badLog] = JSON.parse(r.stdout.toString()) as [string, string];
  expect(existsSync(okLog)).toBe(false);
  expect(existsSync(join(okLog, '..'))).toBe(false);
  // Kept for the user to read.
  expect(readFileSync(badLog, 'utf8')).toContain('boom');
  rmSync(join(badLog, '..'), { recursive: true, force: true });
});
