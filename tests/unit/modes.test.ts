/**
 * Worker and process modes with real Bun Workers and real child processes (issue 9): where the
 * code comes from, outcomes across the boundary, output capture, nested ctx calls, crashes,
 * timeouts of busy code, commands killed with their proc, and isolation.
 */
import { afterAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProcManager, UserError } from '../../src/index.ts';
import { defineLate, managers } from '../fixtures/modes.ts';
import { processesMatching } from '../helpers/cli-rig.ts';
import { runScript } from '../helpers/script.ts';

setDefaultTimeout(30_000);

const logDir = mkdtempSync(join(tmpdir(), 'parproc-modes-'));
afterAll(() => {
  for (const pm of Object.values(managers)) pm.close();
  rmSync(logDir, { recursive: true, force: true });
});

for (const mode of ['worker', 'process'] as const) {
  const pm = managers[mode];
  pm.setOptions({ logDir: join(logDir, mode), parallel: 4 });
  const info = (name: string) => pm.getProcs().get(name)!;
  const log = (name: string) => readFileSync(info(name).logFile!, 'utf8');

  describe(`mode: '${mode}'`, () => {
    test('runs where the mode says; console and stdout writes land in the proc log', async () => {
      pm.start('hello');
      await pm.waitForAll({ throwOnFailure: false });
      const out = pm.results().hello as { pid: number; mainThread: boolean };
      if (mode === 'worker') expect(out).toEqual({ pid: process.pid, mainThread: false });
      else expect(out.pid).not.toBe(process.pid);
      expect(log('hello')).toBe('console from hello\nctx.log { n: 1 }\nstdout write\nto stderr\n');
    });

    test('outcomes map as inline: values, protos with argTypes, failed, skipped, no-change, throws, command errors, not-serializable', async () => {
      const names = ['square::7', 'fails', 'skips', 'no-change', 'throws', 'command-fails', 'not-plain'];
      pm.start(names);
      await pm.waitForAll({ throwOnFailure: false });
      expect(pm.results()['square::7']).toBe(49);
      expect([info('fails').state, info('fails').error, info('fails').moreInfo]).toEqual(['failed', 'failed', 'custom failure']);
      expect([info('skips').state, info('skips').error, info('skips').moreInfo]).toEqual(['skipped', 'skipped', 'nothing to do']);
      expect([info('no-change').state, info('no-change').error]).toEqual(['skipped', 'no-change']);
      expect([info('throws').state, info('throws').error, info('throws').moreInfo]).toEqual(['failed', 'exception', 'bad thing']);
      expect(log('throws')).toMatch(/TypeError: bad thing\n\s+at .*modes\.ts/);
      expect([info('command-fails').error, info('command-fails').moreInfo]).toEqual(['failed', 'Command failed with exit code 3']);
      expect([info('not-plain').error, info('not-plain').moreInfo]).toEqual(['not-serializable', 'Return value is not serializable: result is a function']);
    });

    test('ctx.wait and ctx.create travel to the parent; parallel 1 does not deadlock', async () => {
      pm.setOptions({ parallel: 1 });
      try {
        pm.start('outer');
        await pm.waitForAll({ throwOnFailure: false });
      } finally {
        pm.setOptions({ parallel: 4 });
      }
      expect(pm.results().outer).toEqual({ inner: 21, square: 16, made: ['square::4'] });
    });

    test('a ctx.wait that throws (a waited proc failed) still merges the results of the others', async () => {
      pm.start('waits-on-a-failure');
      await pm.waitForAll({ throwOnFailure: false });
      // Before, ctx.results kept its old snapshot: square::5 was missing.
      expect(pm.results()['waits-on-a-failure']).toEqual({ failed: ['fails'], square: 25 });
    });

    test('ctx.run and ctx.create with their options left out', async () => {
      pm.start('runs-bare');
      await pm.waitForAll({ throwOnFailure: false });
      expect([info('runs-bare').state, info('runs-bare').moreInfo]).toEqual(['succeeded', null]);
      expect(pm.results()['runs-bare']).toEqual({ ran: ['inner'], made: ['inner'], inner: 21 });
    });

    test('commands started in the proc log into it', async () => {
      pm.start('spawns');
      await pm.waitForAll({ throwOnFailure: false });
      expect(pm.results().spawns).toBe('from a command');
      expect(log('spawns')).toContain('from a command\n');
      expect(log('spawns')).toContain('err-line\n');
    });

    test('process.exit and a throw from a timer fail the proc with the exit code; the run goes on', async () => {
      pm.start('exits', 'timer-throws');
      await pm.waitForAll({ throwOnFailure: false });
      for (const name of ['exits', 'timer-throws']) {
        expect(info(name).state).toBe('failed');
        expect(info(name).error).toBe('exception');
        expect(info(name).moreInfo).toMatch(/^exited before completion \(exit code \d+\)$/);
      }
      expect(info('exits').moreInfo).toBe('exited before completion (exit code 7)');
      expect(log('timer-throws')).toContain('thrown from a timer');
      pm.start('after-crash');
      await pm.waitForAll({ throwOnFailure: false });
      expect(pm.results()['after-crash']).toBe('still running');
    });

    test('a flood of output reaches the log whole and in order, in few events; lines before a busy stretch are not lost', async () => {
      let events = 0;
      const off = pm.onEvent((e) => {
        if (e.type === 'proc-output' && e.name === 'chatty') events++;
      });
      try {
        pm.start('chatty', 'says-then-busy');
        await pm.waitForAll({ throwOnFailure: false });
      } finally {
        off();
      }
      const lines = Array.from({ length: 20_000 }, (_, i) => `line ${i}\n`).join('');
      // A child's stdout and stderr are two pipes: their order against each other is not kept.
      if (mode === 'worker') expect(log('chatty')).toBe(`${lines}to stderr\ntail\n`);
      else expect([log('chatty').includes('to stderr\n'), log('chatty').replace('to stderr\n', '') === `${lines}tail\n`]).toEqual([true, true]);
      // A worker posted a message per line before (20,002 events).
      if (mode === 'worker') expect(events).toBeLessThan(1_000);
      expect(info('says-then-busy').error).toBe('timeout');
      expect(log('says-then-busy')).toStartWith('before the loop 0\nbefore the loop 1\nbefore the loop 2\n');
    });

    if (mode === 'process') {
      test('a child killed with kill -9 fails its proc with the exit code', async () => {
        pm.start('killed');
        await pm.waitForAll({ throwOnFailure: false });
        expect([info('killed').state, info('killed').error, info('killed').moreInfo]).toEqual(['failed', 'exception', 'exited before completion (exit code 137)']);
      });
    }

    test('a busy proc over its timeout is stopped, and so are the commands it started', async () => {
      const marker = `63.${process.pid}${mode.length}`;
      process.env.PARPROC_MARKER = marker;
      try {
        pm.start('busy', 'sleeps-then-busy');
        await pm.waitForAll({ throwOnFailure: false });
      } finally {
        delete process.env.PARPROC_MARKER;
      }
      expect([info('busy').state, info('busy').error]).toEqual(['failed', 'timeout']);
      expect(info('sleeps-then-busy').error).toBe('timeout');
      pm.start('after-busy');
      await pm.waitForAll({ throwOnFailure: false });
      expect(pm.results()['after-busy']).toBe('ran');
      expect(processesMatching(`sleep ${marker}`)).toEqual([]);
    });

    test('a proc registered inside a function that did not run again fails at start, naming the fix', async () => {
      defineLate(pm);
      pm.start('late-defined');
      await pm.waitForAll({ throwOnFailure: false });
      expect(info('late-defined').error).toBe('exception');
      expect(info('late-defined').moreInfo).toMatch(/proc "late-defined": its function is not defined at the top level of .*modes\.ts.*mode: 'inline'/);
    });
  });
}

describe('a promise of ctx that nobody awaited', () => {
  for (const mode of ['inline', 'worker', 'process'] as const) {
    test(`rejected before the function settled, fails the proc as its throw would (mode: '${mode}')`, async () => {
      const pm = managers[mode];
      pm.setOptions({ logDir: join(logDir, `dropped-${mode}`), parallel: 8 });
      pm.start('drops-a-command', 'awaits-later', 'leaves-a-command', 'drops-a-wait', 'drops-a-text', 'leaves-nothrow');
      await pm.waitForAll({ throwOnFailure: false });
      const info = (name: string) => pm.getProcs().get(name)!;
      // Before, both succeeded: a warning under the CLI, an unhandled rejection in a script.
      expect([info('drops-a-command').state, info('drops-a-command').error, info('drops-a-command').moreInfo]).toEqual(['failed', 'failed', 'Command failed with exit code 3 (ctx.$, not awaited)']);
      expect(readFileSync(info('drops-a-command').logFile!, 'utf8')).toContain('ctx.$ failed and nothing awaited it:\nCommand failed with exit code 3: exit 3\n');
      expect([info('drops-a-wait').state, info('drops-a-wait').error, info('drops-a-wait').moreInfo]).toEqual(['failed', 'exception', 'Process error: 1 proc(s) failed: fails (ctx.wait, not awaited)']);
      // Awaited later, or still running when the function returned (killed then): no failure.
      expect(pm.results()['awaits-later']).toBe('handled');
      expect(pm.results()['leaves-a-command']).toBe('left it running');
      // A reader of a command's result (`.text()`) nobody awaits is the same slip; `.nothrow()` is not.
      expect([info('drops-a-text').state, info('drops-a-text').moreInfo]).toEqual(['failed', 'Command failed with exit code 6 (ctx.$, not awaited)']);
      expect(pm.results()['leaves-nothrow']).toBe('returned');
    });
  }
});

describe("Bun Shell's readers on ctx.$ and ctx.exec", () => {
  for (const mode of ['inline', 'worker', 'process'] as const) {
    test(`.text(), .json(), .lines(), .nothrow(), .quiet() (mode: '${mode}')`, async () => {
      const pm = managers[mode];
      pm.setOptions({ logDir: join(logDir, `readers-${mode}`) });
      pm.start('shell-readers');
      await pm.waitForAll({ throwOnFailure: false });
      expect(pm.getProcs().get('shell-readers')!.state).toBe('succeeded');
      expect(pm.results()['shell-readers']).toEqual({
        text: 'a\nb\n',
        json: { x: [1, 2] },
        lines: ['l1', 'l2'],
        nothrow: { stdout: 'out\n', stderr: 'err\n', exitCode: 3 },
        nothrowText: 'o2\n',
        quiet: 'q\n',
        quoting: "[a b][it's][3]",
        threw: 'CommandError 5',
      });
    });
  }
});

describe('a proc whose promise can never settle (process mode)', () => {
  test('fails as never settled, frees its locks, and its child serves the next proc, which may wait on the parent; an unref()ed timer is no stall', async () => {
    const pm = managers.process;
    pm.setOptions({ logDir: join(logDir, 'stalled-process'), parallel: 1 });
    // Before, it hung until a timeout: the IPC channel kept the child up.
    pm.start('never-settles', 'after-the-stall', 'unref-timer');
    await pm.waitForAll({ throwOnFailure: false });
    // A proc awaiting a timer made with .unref() is not stuck: it gets a grace.
    expect(pm.results()['unref-timer']).toBe('woke');
    const info = pm.getProcs().get('never-settles')!;
    expect([info.state, info.error, info.moreInfo]).toEqual(['failed', 'exception', 'never settled: it waits on a promise that nothing left (no timer, I/O or process) can settle']);
    expect(readFileSync(info.logFile!, 'utf8')).toStartWith('waiting for nothing\n');
    expect(pm.results()['after-the-stall']).toBe('ran');
  });
});

describe('parent death', () => {
  test('a process whose parent is already not the one it was told of gets the signal at once', async () => {
    // The window between a child's start and its prctl call: a parent gone by then sends nothing.
    const lib = JSON.stringify(join(import.meta.dir, '..', '..', 'src', 'runners', 'parent-death.ts'));
    const code = (parent: number) => `import { dieWithParent } from ${lib};\ndieWithParent('SIGTERM', ${parent});\nconsole.log('armed');\nawait Bun.sleep(10_000);\n`;
    const gone = Bun.spawn([process.execPath, '-e', code(process.pid + 1_000_000)], { stdout: 'pipe', stderr: 'pipe' });
    expect(await gone.exited).not.toBe(0);
    expect(gone.signalCode).toBe('SIGTERM');
    expect(await new Response(gone.stdout).text()).toBe('');
    // With the right parent it goes on past the check (ended here).
    const kept = Bun.spawn([process.execPath, '-e', code(process.pid)], { stdout: 'pipe', stderr: 'pipe' });
    const reader = kept.stdout.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect([first, kept.exitCode]).toEqual(['armed\n', null]);
    kept.kill('SIGKILL');
    await kept.exited;
  });
});

describe('isolation and definition sites', () => {
  test('process mode: globals, env and cwd changes do not leak between procs', async () => {
    const pm = managers.process;
    pm.start('sees-leak');
    await pm.waitForAll({ throwOnFailure: false });
    expect(pm.results().leaks).toBe(1);
    expect(pm.results()['sees-leak']).toEqual({ leaked: null, env: null, cwd: process.cwd() });
    expect(process.env.PARPROC_LEAK).toBeUndefined();
  });

  test('a function registered inside a running proc cannot run in a worker: UserError at registration', async () => {
    const pm = new ProcManager({ display: false, logDir: join(logDir, 'inner-reg') });
    let message = '';
    pm.proc('registers', () => {
      try {
        pm.proc('nested-def', { mode: 'worker' }, () => 1);
      } catch (err) {
        if (err instanceof UserError) message = err.message;
      }
    });
    pm.start('registers');
    await pm.waitForAll({ throwOnFailure: false });
    expect(message).toMatch(/proc "nested-def": mode "worker" needs a function defined at the top level of a module/);
  });
});

describe("a script's top level in workers and children", () => {
  test('what follows the last wait runs once, in the parent: a report and process.exit do not break the procs', async () => {
    // A worker or child imports the script again to find a function: its top level stops at the
    // wait. Before, each one went on, wrote the report and exited, failing its proc.
    const r = await runScript(`import { proc, start, waitForAll, results } from LIB;
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
proc('w', { mode: 'worker' }, () => 'from a worker');
proc('c', { mode: 'process' }, () => 'from a child');
start('w', 'c');
const ok = await waitForAll({ throwOnFailure: false });
appendFileSync(join(DIR, 'report.txt'), JSON.stringify({ ok, ...results() }) + '\\n');
process.exit(ok ? 0 : 1);
`);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const lines = r.report.trim().split('\n');
    expect(lines.length).toBe(1);
    expect(JSON.parse(lines[0] as string)).toEqual({ ok: true, w: 'from a worker', c: 'from a child' });
  });

  test('one process-mode proc starts one spare child, not a pool of eight: each child imports the script again', async () => {
    const r = await runScript(`import { proc, start, waitForAll } from LIB;
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
appendFileSync(join(DIR, 'report.txt'), 'x');
proc('c', { mode: 'process' }, () => 'from a child');
start('c');
await waitForAll();
`);
    expect(r.code, r.stderr).toBe(0);
    // This script, the child that ran the proc, and at most one started ahead.
    expect(r.report.length).toBeLessThanOrEqual(3);
  });

  test('a proc registered after a top-level wait still runs there: the top level goes on to it', async () => {
    // The first wait is in a helper of another module.
    const r = await runScript(`import { proc, start, waitForAll, getProcs } from LIB;
import { settle } from './helper.ts';
proc('first', { mode: 'worker' }, () => 1);
start('first');
await settle();
proc('second', { mode: 'worker' }, () => 2);
proc('third', { mode: 'process' }, () => 3);
start('second', 'third');
await waitForAll({ throwOnFailure: false });
console.log(JSON.stringify([...getProcs().values()].map((p) => [p.name, p.state, p.output])));
`, { 'helper.ts': `import { waitForAll } from LIB;\nexport const settle = () => waitForAll();\n` });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n').at(-1)).toBe('[["first","succeeded",1],["second","succeeded",2],["third","succeeded",3]]');
  });
});
