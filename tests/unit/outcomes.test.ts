import { describe, expect, test, setDefaultTimeout } from 'bun:test';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { CommandError, ProcFailedError, ProcNoChangeError, ProcSkippedError, UserError } from '../../src/index.ts';
import { outcomeFromError } from '../../src/runners/outcome.ts';
import { isOwnStackLine } from '../../src/runners/site.ts';
import { alive, rig } from '../helpers/manager.ts';
import { runScript } from '../helpers/script.ts';

// Procs spawn real processes: generous per-test limits for a loaded 2-core machine.
setDefaultTimeout(20_000);

describe('outcomes', () => {
  test('returned values, skips, no-change, failures, exceptions', async () => {
    using r = rig();
    r.pm.proc('value', () => ({ n: 1, list: [1, 'a', null], when: new Date(0), u: undefined }));
    r.pm.proc('skip', () => {
      throw new ProcSkippedError('not today');
    });
    r.pm.proc('nochange', () => {
      throw new ProcNoChangeError();
    });
    r.pm.proc('failed', () => {
      throw new ProcFailedError('bad input file');
    });
    r.pm.proc('exception', async () => {
      await Bun.sleep(1);
      throw new TypeError('kaboom');
    });
    r.pm.proc('after-skip', { deps: ['skip', 'nochange'] }, (ctx) => ctx.depsChanged);
    r.pm.start('value', 'skip', 'nochange', 'failed', 'exception', 'after-skip');
    await r.pm.waitForAll({ throwOnFailure: false });
    const p = r.pm.getProcs();
    expect(p.get('value')).toMatchObject({ state: 'succeeded', error: null, output: { n: 1, list: [1, 'a', null], when: '1970-01-01T00:00:00.000Z', u: null } });
    expect(p.get('skip')).toMatchObject({ state: 'skipped', error: 'skipped', moreInfo: 'not today' });
    expect(p.get('nochange')).toMatchObject({ state: 'skipped', error: 'no-change' });
    expect(p.get('failed')).toMatchObject({ state: 'failed', error: 'failed', moreInfo: 'bad input file' });
    expect(readFileSync(p.get('failed')!.logFile!, 'utf8')).toContain('bad input file');
    expect(p.get('exception')).toMatchObject({ state: 'failed', error: 'exception', moreInfo: 'kaboom' });
    const log = readFileSync(p.get('exception')!.logFile!, 'utf8');
    expect(log).toContain('TypeError: kaboom');
    expect(log).toMatch(/at .*outcomes\.test\.ts/);
    expect(p.get('after-skip')).toMatchObject({ state: 'succeeded', output: false });
  });

  test('a thrown value that is not an Error says what it is: an object as Bun shows it, not [object Object]', async () => {
    using r = rig();
    r.pm.proc('obj', () => {
      throw { code: 42, why: 'object' };
    });
    r.pm.proc('str', () => {
      throw 'just a string';
    });
    r.pm.start('obj', 'str');
    await r.pm.waitForAll({ throwOnFailure: false });
    expect([r.pm.getProcs().get('obj')?.moreInfo, r.pm.getProcs().get('str')?.moreInfo]).toEqual(['{ code: 42, why: "object" }', 'just a string']);
  });

  test("a logged stack leaves out parproc's own frames, the compiled binary's source-mapped ones too", () => {
    // The binary's frames, as it prints them when built in the project or elsewhere.
    expect(isOwnStackLine('    at Ze (src/runners/inline.ts:28:26)')).toBe(true);
    expect(isOwnStackLine('    at #E (src/scheduler/scheduler.ts:286:29)')).toBe(true);
    expect(isOwnStackLine('    at run (../../work/main/src/runners/inline.ts:95:81)')).toBe(true);
    expect(isOwnStackLine('    at src/launch.ts:134:22')).toBe(true);
    expect(isOwnStackLine('    at readFileSync (node:fs:12:3)')).toBe(true);
    // A user's frames are absolute paths (or URLs), and other lines are not frames.
    expect(isOwnStackLine('    at <anonymous> (/tmp/p/parproc.ts:5:41)')).toBe(false);
    expect(isOwnStackLine('    at /tmp/p/parproc.ts:5:41')).toBe(false);
    expect(isOwnStackLine('    at build (file:///tmp/p/tasks.ts:3:9)')).toBe(false);
    expect(isOwnStackLine('    at processTicksAndRejections (native)')).toBe(false);
    expect(isOwnStackLine('Error: src/x.ts:1:2 is broken')).toBe(false);
  });

  test("a logged stack leaves out the runtime's frames too when none of the user's is left", () => {
    const logged = (stack: string) => {
      const err = new UserError('bad arg');
      err.stack = stack;
      const lines: string[] = [];
      outcomeFromError(err, { write: (_s, t) => lines.push(t), line: (t) => lines.push(t) });
      return lines.join('');
    };
    // Thrown by parproc inside a String.replace callback: nothing of the user's to look at.
    expect(logged('UserError: bad arg\n    at replace (unknown)\n    at Ze (src/runners/inline.ts:28:26)')).toBe('UserError: bad arg');
    // With a frame of the user's, the runtime's frames stay for context.
    expect(logged('UserError: bad arg\n    at map (native)\n    at build (/tmp/p/parproc.ts:5:41)\n    at Ze (src/runners/inline.ts:28:26)')).toBe(
      'UserError: bad arg\n    at map (native)\n    at build (/tmp/p/parproc.ts:5:41)',
    );
  });

  test('brackets in a command that name no arg are the command\'s own: [ -f x ], [0-9], [$x] reach the shell as written', async () => {
    using r = rig();
    r.pm.proto('check::[what]', ['sh', '-c', 'echo [what]; [ -f /nonexistent ] || echo "no [file]"; echo "x9" | grep -o "[0-9]"']);
    r.pm.proc('plain', 'x=1; echo "stdin=[$x]"');
    r.pm.start(...r.pm.create('check::disk'), 'plain');
    await r.pm.waitForAll();
    expect(readFileSync(r.pm.getProcs().get('check::disk')!.logFile!, 'utf8')).toBe('disk\nno [file]\n9\n');
    expect(readFileSync(r.pm.getProcs().get('plain')!.logFile!, 'utf8')).toBe('stdin=[1]\n');
  });

  test('a CommandError fails the proc with the exit code in the log', async () => {
    using r = rig();
    r.pm.proc('cmd', async (ctx) => {
      await ctx.$`echo before; exit 7`;
    });
    r.pm.start('cmd');
    await r.pm.waitForAll({ throwOnFailure: false });
    const info = r.pm.getProcs().get('cmd')!;
    expect(info).toMatchObject({ state: 'failed', error: 'failed', moreInfo: 'Command failed with exit code 7' });
    expect(readFileSync(info.logFile!, 'utf8')).toBe('before\nCommand failed with exit code 7: echo before; exit 7\n');
  });

  test('the CommandError carries exit code, command and stderr, and can be caught', async () => {
    using r = rig();
    r.pm.proc('catch', async (ctx) => {
      try {
        await ctx.exec(['sh', '-c', 'echo nope >&2; exit 4']);
      } catch (e) {
        const ce = e as CommandError;
        return [ce instanceof CommandError, ce.exitCode, ce.stderr, ce.command];
      }
    });
    r.pm.start('catch');
    await r.pm.waitForAll();
    expect(r.pm.results().catch).toEqual([true, 4, 'nope\n', "sh -c 'echo nope >&2; exit 4'"]);
  });

  test('results that are not plain data fail with not-serializable', async () => {
    using r = rig();
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    r.pm.proc('fn', () => ({ f: () => 1 }));
    r.pm.proc('sym', () => Symbol('x'));
    r.pm.proc('big', () => 10n);
    r.pm.proc('circ', () => circular);
    r.pm.proc('map', () => new Map());
    r.pm.start('fn', 'sym', 'big', 'circ', 'map');
    await r.pm.waitForAll({ throwOnFailure: false });
    for (const name of ['fn', 'sym', 'big', 'circ', 'map']) {
      const info = r.pm.getProcs().get(name)!;
      expect(info.state).toBe('failed');
      expect(info.error).toBe('not-serializable');
      expect(info.moreInfo).toStartWith('Return value is not serializable:');
    }
    expect(r.pm.getProcs().get('fn')!.moreInfo).toBe('Return value is not serializable: result.f is a function');
    expect(r.pm.getProcs().get('map')!.moreInfo).toBe('Return value is not serializable: result is a Map instance, not a plain object');
    r.pm.proc('error', () => ({ e: new Error('x') }));
    r.pm.start('error');
    await r.pm.waitForAll({ throwOnFailure: false });
    expect(r.pm.getProcs().get('error')!.moreInfo).toBe('Return value is not serializable: result.e is an Error instance, not a plain object');
  });

  test('timeout aborts ctx.signal and kills the commands the proc started, process group included', async () => {
    using r = rig();
    const pidFile = join(r.dir, 'pids');
    let sawAbort = false;
    r.pm.proc('slow', { timeout: '300ms' }, async (ctx) => {
      ctx.signal.addEventListener('abort', () => {
        sawAbort = true;
      });
      // The shell starts a background grandchild in the same group, then waits on another.
      // (Durations of their own, so a `sleep 60` elsewhere on the machine is not taken for them.)
      await ctx.$`sleep 60.0417 & echo $! > ${pidFile}; echo $$ >> ${pidFile}; sleep 61.0417`;
    });
    r.pm.start('slow');
    await r.pm.waitForAll({ throwOnFailure: false });
    const info = r.pm.getProcs().get('slow')!;
    expect(info.state).toBe('failed');
    expect(info.error).toBe('timeout');
    expect(info.moreInfo).toBe('timed out after 0.3s');
    expect(sawAbort).toBe(true);
    const pids = readFileSync(pidFile, 'utf8').trim().split('\n').map(Number);
    expect(pids.length).toBe(2);
    for (const pid of pids) expect(alive(pid)).toBe(false);
    const ps = Bun.spawnSync(['sh', '-c', 'ps -eo args']).stdout.toString();
    expect(ps).not.toMatch(/^sleep 6[01]\.0417$/m);
  });

  test('a timeout longer than one timer can wait (24.8 days) does not fire at once, in every mode', async () => {
    // setTimeout fires a delay over 2^31 - 1 ms at once: `timeout: '30d'` failed its procs in 1 ms.
    const r = await runScript(`import { proc, start, waitForAll, getProcs } from LIB;
import { writeFileSync } from 'node:fs';
export const slow = async () => { await Bun.sleep(150); return 1; };
proc('inline', { timeout: '30d' }, slow);
proc('worker', { timeout: '30d', mode: 'worker' }, slow);
proc('process', { timeout: '30d', mode: 'process' }, slow);
proc('cmd', { timeout: '30d' }, 'sleep 0.15');
start('inline', 'worker', 'process', 'cmd');
await waitForAll({ throwOnFailure: false });
writeFileSync('report.txt', [...getProcs().values()].map((p) => p.name + ':' + p.state).sort().join(' '));
`);
    expect(r.report, r.stderr).toBe('cmd:succeeded inline:succeeded process:succeeded worker:succeeded');
    expect(r.stderr).not.toContain('TimeoutOverflowWarning');
  });

  test("a failure's message starts a line of its own when the output before it ended mid-line (inline, worker, commands)", async () => {
    // Before, the log read `no newlineCommand failed with exit code 2: …`, `partialwhy`.
    const r = await runScript(`import { proc, start, waitForAll, getProcs, setOptions, ProcFailedError } from LIB;
import { readFileSync, writeFileSync } from 'node:fs';
setOptions({ logDir: 'logs' });
export const partial = async () => { process.stdout.write('partial'); throw new ProcFailedError('why'); };
proc('cmd', "printf 'no newline'; exit 2");
// Not mode 'process': a child's process.stdout.write goes straight to its descriptor, unseen.
for (const mode of ['inline', 'worker'] as const) proc(mode, { mode }, partial);
proc('timeout', { timeout: '100ms' }, async () => { process.stdout.write('partial'); await Bun.sleep(10_000); });
proc('log', async (ctx) => { process.stdout.write('partial'); ctx.log('logged'); });
start('cmd', 'inline', 'worker', 'timeout', 'log');
await waitForAll({ throwOnFailure: false });
writeFileSync('report.txt', JSON.stringify(Object.fromEntries([...getProcs().values()].map((p) => [p.name, readFileSync(p.logFile!, 'utf8')]))));
process.exit(0); // the timed-out proc's sleep would hold the process
`);
    expect(JSON.parse(r.report || '{}'), r.stderr).toEqual({
      cmd: "no newline\nCommand failed with exit code 2: printf 'no newline'; exit 2\n",
      inline: 'partial\nwhy\n',
      worker: 'partial\nwhy\n',
      timeout: 'partial\nTimed out: timed out after 0.1s\n',
      log: 'partial\nlogged\n',
    });
  });

  test('a timed-out proc fails its dependents, and a proc that returns on abort still counts as timeout', async () => {
    using r = rig();
    r.pm.proc('t', { timeout: 0.05 }, (ctx) => new Promise((res) => ctx.signal.addEventListener('abort', () => res('late'))));
    r.pm.proc('after', { deps: ['t'] }, () => 1);
    r.pm.start('after');
    await r.pm.waitForAll({ throwOnFailure: false });
    expect(r.pm.getProcs().get('t')?.error).toBe('timeout');
    expect(r.pm.getProcs().get('after')?.state).toBe('failed-dep');
  });
});

describe('ProcContext', () => {
  test('a ctx.wait that throws (a waited proc failed) still merges the results of the others into ctx.results', async () => {
    using r = rig();
    r.pm.proc('good', () => 'g');
    r.pm.proc('bad', () => {
      throw new Error('x');
    });
    r.pm.proc('waiter', async (ctx) => {
      try {
        await ctx.wait('good', 'bad');
      } catch {
        return ctx.results.good ?? 'missing';
      }
    });
    r.pm.start('waiter');
    await r.pm.waitForAll({ throwOnFailure: false });
    expect(r.pm.results().waiter).toBe('g');
  });

  test('procName, args, params, results, depsChanged, changedDeps, inputFingerprint', async () => {
    using r = rig();
    r.pm.setParams({ region: 'eu' });
    r.pm.proc('one', () => 1);
    r.pm.proc('two', () => {
      throw new ProcSkippedError();
    });
    r.pm.proto('use::[x]', { deps: ['one', 'two'] }, (ctx, args) => ({
      name: ctx.procName,
      args,
      same: args === ctx.args,
      params: ctx.params,
      results: ctx.results,
      depsChanged: ctx.depsChanged,
      changedDeps: ctx.changedDeps,
      fp: ctx.inputFingerprint,
    }));
    r.pm.run('use::7');
    await r.pm.waitForAll();
    expect(r.pm.results()['use::7']).toEqual({
      name: 'use::7',
      args: { x: '7' },
      same: true,
      params: { region: 'eu' },
      results: { one: 1, two: null },
      depsChanged: true,
      changedDeps: ['one'],
      fp: null,
    });
  });

  test('a param named __proto__ (parsed JSON, `-p __proto__=x`) reaches ctx.params like any other', async () => {
    using r = rig();
    r.pm.setParams(JSON.parse('{"__proto__": "x", "region": "eu"}') as Record<string, unknown>);
    r.pm.proc('p', (ctx) => [Object.keys(ctx.params), Object.getOwnPropertyDescriptor(ctx.params, '__proto__')?.value]);
    r.pm.run('p');
    await r.pm.waitForAll();
    expect(r.pm.results().p).toEqual([['__proto__', 'region'], 'x']);
  });

  test('ctx.$ and ctx.exec: output into the log in arrival order, results carry stdout/stderr/exitCode', async () => {
    using r = rig();
    r.pm.proc('cmds', { env: { GREETING: 'hi' } }, async (ctx) => {
      const name = "it's me";
      const a = await ctx.$`echo out1; sleep 0.05; echo err1 >&2; sleep 0.05; echo out2; echo "$GREETING" ${name}`;
      const b = await ctx.exec(['cat'], { stdin: 'from stdin' });
      const c = await ctx.exec(['sh', '-c', 'echo "$TERM $NO_COLOR"; pwd'], { cwd: '/tmp' });
      return { a, b, c };
    });
    r.pm.start('cmds');
    await r.pm.waitForAll();
    const res = r.pm.results().cmds as Record<string, { stdout: string; stderr: string; exitCode: number }>;
    expect(res.a).toEqual({ stdout: "out1\nout2\nhi it's me\n", stderr: 'err1\n', exitCode: 0 });
    expect(res.b!.stdout).toBe('from stdin');
    expect(res.c!.stdout).toBe('dumb 1\n/tmp\n');
    const log = readFileSync(r.pm.getProcs().get('cmds')!.logFile!, 'utf8');
    expect(log).toStartWith("out1\nerr1\nout2\nhi it's me\nfrom stdin");
  });

  test('ctx.log writes lines; console.* and process.stdout.write go to the log, not the terminal', async () => {
    using r = rig();
    r.pm.proc('chatty', async (ctx) => {
      ctx.log('via ctx.log', { a: 1 });
      console.log('via console.log');
      await Bun.sleep(1);
      console.error('via console.error');
      process.stdout.write('raw stdout\n');
      process.stderr.write(new TextEncoder().encode('raw stderr\n'));
    });
    r.pm.start('chatty');
    await r.pm.waitForAll();
    expect(readFileSync(r.pm.getProcs().get('chatty')!.logFile!, 'utf8')).toBe(
      'via ctx.log { a: 1 }\nvia console.log\nvia console.error\nraw stdout\nraw stderr\n',
    );
  });

  test('console.table, group, count, time, assert and dir go to the log too (a group indents), never the terminal', async () => {
    const r = await runScript(`import { proc, start, waitForAll, getProcs } from LIB;
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
proc('rare', () => {
  console.table([{ x: 1 }]);
  console.group('G');
  console.log('in group');
  console.groupEnd();
  console.count('n');
  console.count('n');
  console.assert(false, 'assertion here');
  console.dir({ deep: 1 });
  console.time('t');
  console.timeEnd('t');
});
start('rare');
await waitForAll();
writeFileSync(join(DIR, 'report.txt'), readFileSync(getProcs().get('rare').logFile, 'utf8'));
`);
    expect(r.code, r.stderr).toBe(0);
    for (const leak of ['│', 'in group', 'n: 1', 'Assertion failed', 'deep', 't: ']) expect(r.stdout + r.stderr).not.toContain(leak);
    const log = r.report;
    for (const part of ['│ x │', 'G\n  in group\n', 'n: 1\nn: 2\n', 'Assertion failed: assertion here', '{ deep: 1 }']) expect(log).toContain(part);
    expect(log).toMatch(/^t: [\d.]+ms$/m);
  });

  test('parallel procs never mix their logs', async () => {
    using r = rig();
    for (const name of ['p1', 'p2', 'p3']) {
      r.pm.proc(name, async () => {
        for (let i = 0; i < 20; i++) {
          console.log(`${name} line ${i}`);
          await Bun.sleep(0);
        }
      });
    }
    r.pm.start('p1', 'p2', 'p3');
    await r.pm.waitForAll();
    for (const name of ['p1', 'p2', 'p3']) {
      const lines = readFileSync(r.pm.getProcs().get(name)!.logFile!, 'utf8').trim().split('\n');
      expect(lines).toEqual(Array.from({ length: 20 }, (_, i) => `${name} line ${i}`));
    }
  });

  test('log files have file-safe, one-to-one names; a silent success creates none, a silent failure an empty one', async () => {
    using r = rig();
    const names = ['a/b', 'a_b', 'deploy::prod', 'with space', '..', 'a%2Fb'];
    for (const n of names) r.pm.proc(n, () => console.log(n));
    r.pm.proc('silent', () => null);
    r.pm.proc('silent-failure', () => {
      throw new ProcFailedError();
    });
    r.pm.start([...names, 'silent', 'silent-failure']);
    await r.pm.waitForAll({ throwOnFailure: false });
    const files = names.map((n) => r.pm.getProcs().get(n)!.logFile!);
    expect(new Set(files).size).toBe(names.length);
    for (const [i, f] of files.entries()) {
      expect(readFileSync(f, 'utf8')).toBe(`${names[i]}\n`);
      expect(f.startsWith(join(r.dir, 'logs'))).toBe(true);
    }
    expect(r.pm.getProcs().get('silent')!.logFile).toBeNull();
    const end = r.events.find((e) => e.type === 'proc-state' && e.name === 'silent' && e.state === 'succeeded');
    expect((end as { logFile: string | null }).logFile).toBeNull();
    const failedLog = r.pm.getProcs().get('silent-failure')!.logFile!;
    expect(readFileSync(failedLog, 'utf8')).toBe('');
    expect(readdirSync(join(r.dir, 'logs')).length).toBe(names.length + 1);
  });

  test('create/start/run/wait from inside a proc; results merge in after wait', async () => {
    using r = rig();
    r.pm.proto('child::[n]', (_c, a) => Number(a.n) * 10);
    r.pm.proc('parent', async (ctx) => {
      const made = await ctx.create('child::1');
      await ctx.start(made);
      const ran = await ctx.run('child::2');
      const before = 'child::1' in ctx.results;
      await ctx.wait(made, ran);
      return { made, ran, before, after: [ctx.results['child::1'], ctx.results['child::2']] };
    });
    r.pm.start('parent');
    await r.pm.waitForAll();
    expect(r.pm.results().parent).toEqual({ made: ['child::1'], ran: ['child::2'], before: false, after: [10, 20] });
  });

  test('parallel: 1 with nested waits does not deadlock', async () => {
    using r = rig({ parallel: 1 });
    r.pm.proto('level::[n]', async (ctx, a) => {
      const n = Number(a.n);
      if (n === 0) return 0;
      const [child] = await ctx.run(`level::${n - 1}`);
      await ctx.wait(child as string);
      return (ctx.results[child as string] as number) + 1;
    });
    r.pm.run('level::5');
    await r.pm.waitForAll();
    expect(r.pm.results()['level::5']).toBe(5);
  });

  test('ctx.wait on a failing proc throws ProcessError inside the proc', async () => {
    using r = rig();
    r.pm.proc('bad', () => {
      throw new Error('x');
    });
    r.pm.proc('waiter', async (ctx) => {
      try {
        await ctx.wait('bad');
        return 'no';
      } catch (e) {
        return (e as { failed: string[] }).failed;
      }
    });
    r.pm.start('waiter');
    await r.pm.waitForAll({ throwOnFailure: false });
    expect(r.pm.results().waiter).toEqual(['bad']);
  });
});

describe('a proc that goes on after its timeout', () => {
  test('may still call ctx.wait without breaking the parallel limit', async () => {
    using r = rig({ parallel: 1 });
    const { promise: late, resolve } = Promise.withResolvers<void>();
    r.pm.proc('helper', () => 'h');
    r.pm.proc('stubborn', { timeout: 0.05 }, async (ctx) => {
      await Bun.sleep(120);
      await ctx.wait('helper');
      resolve();
    });
    let running = 0;
    let peak = 0;
    for (let i = 0; i < 4; i++) {
      r.pm.proc(`w${i}`, async () => {
        peak = Math.max(peak, ++running);
        await Bun.sleep(40);
        running--;
      });
    }
    r.pm.start('stubborn', 'w0', 'w1', 'w2', 'w3');
    await r.pm.waitForAll({ throwOnFailure: false });
    await late;
    expect(r.pm.getProcs().get('stubborn')?.error).toBe('timeout');
    expect(r.pm.getProcs().get('helper')?.state).toBe('succeeded');
    expect(peak).toBe(1);
  });
});

describe('wait cycles', () => {
  test('ctx.wait on itself, on a proc that depends on it, or on a proc waiting for it is a UserError, not a hang', async () => {
    using r = rig();
    r.pm.proc('self', async (ctx) => {
      await ctx.wait('self');
    });
    r.pm.proc('parent', async (ctx) => {
      await ctx.wait('child');
    });
    r.pm.proc('child', { deps: ['parent'] }, () => 1);
    r.pm.proc('ping', async (ctx) => {
      await ctx.start('pong');
      await Bun.sleep(30);
      await ctx.wait('pong');
    });
    r.pm.proc('pong', async (ctx) => {
      await Bun.sleep(5);
      await ctx.wait('ping');
    });
    r.pm.start('self', 'parent', 'ping');
    await r.pm.waitForAll({ throwOnFailure: false });
    const p = r.pm.getProcs();
    expect(p.get('self')).toMatchObject({ state: 'failed', error: 'exception' });
    expect(p.get('self')?.moreInfo).toContain('a wait cycle');
    expect(p.get('parent')?.moreInfo).toContain('proc "parent" waits for "child"');
    expect(p.get('child')?.state).toBe('failed-dep');
    // pong waits for ping first; ping's later wait for pong closes the cycle and fails.
    expect(p.get('ping')?.moreInfo).toContain('a wait cycle');
    expect(p.get('pong')?.state).toBe('failed');
  });
});

test('ctx.wait on a proc that needs a lock the waiter holds is a UserError, not a hang', async () => {
  using r = rig();
  r.pm.proc('holder', { locks: ['db'] }, async (ctx) => {
    await ctx.wait('needs-db');
  });
  r.pm.proc('needs-db', { locks: ['db'] }, () => 1);
  r.pm.start('holder');
  await r.pm.waitForAll({ throwOnFailure: false });
  expect(r.pm.getProcs().get('holder')?.moreInfo).toContain('a wait cycle');
  expect(r.pm.getProcs().get('needs-db')?.state).toBe('succeeded');
});
