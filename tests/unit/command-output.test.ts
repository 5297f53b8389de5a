/**
 * A command proc's output when nothing shows it live: straight to a capture file, read into the
 * log (runners/capture-file.ts); and through pipes, as events, when a listener wants them.
 */
import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ignoresOutput, type RunEvent } from '../../src/events.ts';
import { ProcManager } from '../../src/index.ts';
import { openCapture } from '../../src/runners/capture-file.ts';
import { alive } from '../helpers/manager.ts';

setDefaultTimeout(20_000);

/** A manager nobody listens to for output (like the CLI's display), with a temp dir. */
function quiet(): { pm: ProcManager; dir: string; events: RunEvent[]; [Symbol.dispose](): void } {
  const dir = mkdtempSync(join(tmpdir(), 'parproc-output-'));
  const pm = new ProcManager({ display: false, logDir: join(dir, 'logs'), parallel: 1 });
  const events: RunEvent[] = [];
  pm.onEvent(ignoresOutput((e) => events.push(e)));
  return { pm, dir, events, [Symbol.dispose]: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Resolves once `pred` holds, checking at each turn of the event loop; throws after 15 s. */
async function until(pred: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(5);
  }
}

const INTERLEAVED = 'for i in 1 2 3; do echo out$i; echo err$i >&2; done';
const ORDERED = 'out1\nerr1\nout2\nerr2\nout3\nerr3\n';

describe('command output', () => {
  test('with no listener: stdout and stderr reach the log in the order written; a silent command makes no file', async () => {
    using q = quiet();
    q.pm.proc('mixed', ['sh', '-c', INTERLEAVED]);
    q.pm.proc('silent', ['true']);
    q.pm.proc('fails', 'echo partial; echo broken >&2; exit 4');
    q.pm.proc('argv-fails', ['sh', '-c', "exit 5 # it's"]);
    q.pm.start('mixed', 'silent', 'fails', 'argv-fails');
    await q.pm.waitForAll({ throwOnFailure: false });
    const p = q.pm.getProcs();
    expect(readFileSync(p.get('mixed')!.logFile!, 'utf8')).toBe(ORDERED);
    expect(p.get('silent')).toMatchObject({ state: 'succeeded', logFile: null });
    expect(p.get('fails')).toMatchObject({ state: 'failed', moreInfo: 'Command failed with exit code 4' });
    expect(readFileSync(p.get('fails')!.logFile!, 'utf8')).toBe('partial\nbroken\nCommand failed with exit code 4: echo partial; echo broken >&2; exit 4\n');
    // An argv command is shown quoted, as a shell would take it back.
    expect(readFileSync(p.get('argv-fails')!.logFile!, 'utf8')).toBe(`Command failed with exit code 5: sh -c 'exit 5 # it'\\''s'\n`);
    expect(q.events.some((e) => e.type === 'proc-output')).toBe(false);
  });

  test("commands get TERM=dumb and NO_COLOR=1 and no FORCE_COLOR, unless the proc's env sets them: it wins", async () => {
    using q = quiet();
    const show = 'echo "TERM=$TERM NO_COLOR=[$NO_COLOR] FORCE_COLOR=[$FORCE_COLOR]"';
    q.pm.proc('plain', show);
    q.pm.proc('colour', { env: { TERM: 'xterm-256color', NO_COLOR: '', FORCE_COLOR: '1' } }, show);
    q.pm.proc('exec', async (ctx) => (await ctx.exec(['sh', '-c', show])).stdout);
    q.pm.proc('exec-env', { env: { FORCE_COLOR: '3' } }, async (ctx) => (await ctx.exec(['sh', '-c', show], { env: { TERM: 'vt100' } })).stdout);
    q.pm.start('plain', 'colour', 'exec', 'exec-env');
    await q.pm.waitForAll();
    const log = (name: string) => readFileSync(q.pm.getProcs().get(name)!.logFile!, 'utf8');
    expect(log('plain')).toBe('TERM=dumb NO_COLOR=[1] FORCE_COLOR=[]\n');
    // Before, parproc's TERM and NO_COLOR overwrote the proc's own, and its FORCE_COLOR was dropped.
    expect(log('colour')).toBe('TERM=xterm-256color NO_COLOR=[] FORCE_COLOR=[1]\n');
    expect(q.pm.results().exec).toBe('TERM=dumb NO_COLOR=[1] FORCE_COLOR=[]\n');
    expect(q.pm.results()['exec-env']).toBe('TERM=vt100 NO_COLOR=[1] FORCE_COLOR=[3]\n');
  });

  test('a log dir removed between runs (rm -rf .parproc while watching) is made again for the next logs', async () => {
    using q = quiet();
    q.pm.proc('fn', () => console.log('from a function'));
    q.pm.proc('cmd', 'echo from a command; exit 3');
    q.pm.start('fn', 'cmd');
    await q.pm.waitForAll({ throwOnFailure: false });
    rmSync(join(q.dir, 'logs'), { recursive: true });
    q.pm.clear();
    q.pm.proc('fn', () => console.log('again'));
    q.pm.proc('cmd', 'echo again; exit 3');
    q.pm.start('fn', 'cmd');
    await q.pm.waitForAll({ throwOnFailure: false });
    // Before, each open failed (ENOENT): one warning, and no log for the rest of the session.
    expect(q.events.filter((e) => e.type === 'warning')).toEqual([]);
    expect(readFileSync(join(q.dir, 'logs', 'fn.log'), 'utf8')).toBe('again\n');
    expect(readFileSync(join(q.dir, 'logs', 'cmd.log'), 'utf8')).toBe('again\nCommand failed with exit code 3: echo again; exit 3\n');
  });

  test('with a listener: output arrives as events, each line with its stream', async () => {
    using q = quiet();
    const seen: RunEvent[] = [];
    q.pm.onEvent((e) => seen.push(e));
    q.pm.proc('mixed', ['sh', '-c', INTERLEAVED]);
    q.pm.run('mixed');
    await q.pm.waitForAll();
    const text = (stream: string) => seen.flatMap((e) => (e.type === 'proc-output' && e.stream === stream ? [e.text] : [])).join('');
    expect(text('stdout')).toBe('out1\nout2\nout3\n');
    expect(text('stderr')).toBe('err1\nerr2\nerr3\n');
    expect(readFileSync(q.pm.getProcs().get('mixed')!.logFile!, 'utf8').split('\n').sort()).toEqual(ORDERED.split('\n').sort());
  });

  test('the log grows while the command runs, and a file reused by the next command starts empty', async () => {
    using q = quiet();
    const go = join(q.dir, 'go');
    // The loop also ends when the test's dir is gone (a failed test leaves no process behind).
    q.pm.proc('slow', ['sh', '-c', `echo first-line-of-slow; while test ! -f '${go}' && test -d '${q.dir}'; do sleep 0.02; done; echo second`]);
    q.pm.proc('next', { deps: ['slow'] }, ['echo', 'n']);
    q.pm.start('next');
    // The running event names the log file (ProcInfo names it once the proc has ended).
    let logFile: string | null = null;
    await until(() => {
      logFile ??= (q.events.find((e) => e.type === 'proc-state' && e.name === 'slow' && e.state === 'running') as { logFile: string | null } | undefined)?.logFile ?? null;
      return logFile !== null && existsSync(logFile) && readFileSync(logFile, 'utf8').includes('first-line-of-slow');
    }, 'the first line in the log');
    expect(q.pm.getProcs().get('slow')!.state).toBe('running');
    writeFileSync(go, '');
    await q.pm.waitForAll();
    expect(readFileSync(logFile!, 'utf8')).toBe('first-line-of-slow\nsecond\n');
    // One capture file at a time (parallel 1): `next` wrote into the file `slow` had used.
    expect(readFileSync(q.pm.getProcs().get('next')!.logFile!, 'utf8')).toBe('n\n');
  });

  test('a command is over when what it left in the background is: their output is in the log', async () => {
    using q = quiet();
    const done = join(q.dir, 'background-done');
    q.pm.proc('bg', ['sh', '-c', `(sleep 0.2; echo late; touch '${done}') & echo early`]);
    q.pm.run('bg');
    await q.pm.waitForAll();
    expect(existsSync(done)).toBe(true);
    expect(readFileSync(q.pm.getProcs().get('bg')!.logFile!, 'utf8')).toBe('early\nlate\n');
  });

  test('what a command leaves running with its output sent elsewhere is not waited for', async () => {
    using q = quiet();
    const pidFile = join(q.dir, 'bg.pid');
    // The background sleep keeps running, its output not ours (as with a pipe: no end of file to wait for).
    q.pm.proc('detach', ['sh', '-c', `sleep 30 >/dev/null 2>&1 & echo $! > '${pidFile}'; echo started`]);
    q.pm.run('detach');
    await q.pm.waitForAll();
    const pid = Number(readFileSync(pidFile, 'utf8'));
    try {
      expect(q.pm.getProcs().get('detach')!.state).toBe('succeeded');
      expect(alive(pid)).toBe(true);
      expect(readFileSync(q.pm.getProcs().get('detach')!.logFile!, 'utf8')).toBe('started\n');
    } finally {
      process.kill(pid, 'SIGKILL');
    }
  });

  test('many commands at once, files reused: each log has its own command\'s output, all of it', async () => {
    using q = quiet();
    q.pm.setOptions({ parallel: 6 });
    const names: string[] = [];
    for (let i = 0; i < 30; i++) {
      // Every third one prints nothing, so a reused file goes from silent to busy and back.
      const script = i % 3 === 0 ? 'true' : `for n in 1 2 3 4 5; do echo cmd${i}-$n; echo cmd${i}-err$n >&2; done`;
      names.push(q.pm.proc(`c${i}`, ['sh', '-c', script]));
    }
    // One that prints more than a read (64 KB) in pieces: 300,000 bytes.
    names.push(q.pm.proc('big', ['sh', '-c', "head -c 299999 /dev/zero | tr '\\0' x; echo"]));
    q.pm.start(names);
    await q.pm.waitForAll();
    const p = q.pm.getProcs();
    for (let i = 0; i < 30; i++) {
      const info = p.get(`c${i}`)!;
      if (i % 3 === 0) expect(info.logFile).toBeNull();
      else expect(readFileSync(info.logFile!, 'utf8')).toBe([1, 2, 3, 4, 5].map((n) => `cmd${i}-${n}\ncmd${i}-err${n}\n`).join(''));
    }
    expect(readFileSync(p.get('big')!.logFile!, 'utf8')).toBe(`${'x'.repeat(299_999)}\n`);
  });

  test('a log dir that cannot be made: a warning, and commands still run', async () => {
    using q = quiet();
    const notADir = join(q.dir, 'file');
    writeFileSync(notADir, '');
    q.pm.setOptions({ logDir: join(notADir, 'logs') });
    const marker = join(q.dir, 'ran');
    q.pm.proc('x', ['sh', '-c', `echo hello; touch '${marker}'`]);
    q.pm.run('x');
    await q.pm.waitForAll();
    expect(q.pm.getProcs().get('x')!.state).toBe('succeeded');
    expect(existsSync(marker)).toBe(true);
    expect(q.events.some((e) => e.type === 'warning' && e.message.includes('cannot create log dir'))).toBe(true);
  });

  test('a working directory that is missing, or a file, is named as the fault, not the program', async () => {
    using q = quiet();
    const file = join(q.dir, 'file');
    writeFileSync(file, '');
    const missing = join(q.dir, 'missing');
    q.pm.proc('argv', { cwd: missing }, ['pwd']);
    q.pm.proc('shell', { cwd: file }, 'pwd');
    q.pm.start('argv', 'shell');
    expect(await q.pm.waitForAll({ throwOnFailure: false })).toBe(false);
    const log = (name: string) => readFileSync(q.pm.getProcs().get(name)!.logFile!, 'utf8');
    expect(log('argv')).toBe(`the working directory ${missing} does not exist\nCommand failed with exit code 127: pwd\n`);
    expect(log('shell')).toStartWith(`the working directory ${file} is not a directory\n`);
    // The end line says why it never ran, not just "exit code 127".
    expect(q.pm.getProcs().get('argv')!.moreInfo).toBe(`the working directory ${missing} does not exist`);
    expect(q.pm.getProcs().get('shell')!.moreInfo).toBe(`the working directory ${file} is not a directory`);
  });

  test('a program that cannot run exits 126 as in a shell (no permission, a directory); one not found 127', async () => {
    using q = quiet();
    const script = join(q.dir, 'script.sh');
    writeFileSync(script, 'echo hi\n', { mode: 0o644 });
    q.pm.proc('noexec', [script]);
    q.pm.proc('dir', [q.dir]);
    q.pm.proc('missing', [join(q.dir, 'nothere')]);
    q.pm.start('noexec', 'dir', 'missing');
    expect(await q.pm.waitForAll({ throwOnFailure: false })).toBe(false);
    const last = (name: string) => readFileSync(q.pm.getProcs().get(name)!.logFile!, 'utf8').trimEnd().split('\n').at(-1);
    expect(last('noexec')).toBe(`Command failed with exit code 126: ${script}`);
    expect(last('dir')).toBe(`Command failed with exit code 126: ${q.dir}`);
    expect(last('missing')).toBe(`Command failed with exit code 127: ${join(q.dir, 'nothere')}`);
    expect(q.pm.getProcs().get('missing')!.moreInfo).toMatch(/nothere/);
  });

  test("a shell's exit code for a program it cannot find (127) or run (126) says so", async () => {
    using q = quiet();
    const script = join(q.dir, 'script.sh');
    writeFileSync(script, 'echo hi\n', { mode: 0o644 });
    q.pm.proc('not-found', 'no-such-program-here --flag');
    q.pm.proc('not-executable', `${script}`);
    q.pm.start('not-found', 'not-executable');
    expect(await q.pm.waitForAll({ throwOnFailure: false })).toBe(false);
    // Before: only "Command failed with exit code 127", the shell's reason a snippet away.
    expect(q.pm.getProcs().get('not-found')!.moreInfo).toBe('Command failed with exit code 127 (command not found)');
    expect(q.pm.getProcs().get('not-executable')!.moreInfo).toBe('Command failed with exit code 126 (not executable)');
  });

  test('a capture file has no name, is reused once emptied, and is not made on a nearly full disk', () => {
    const dir = mkdtempSync(join(tmpdir(), 'parproc-capture-'));
    try {
      const a = openCapture(dir, 0);
      expect(a).not.toBeNull();
      const got: string[] = [];
      a!.follow({ write: (_stream, text) => got.push(text) });
      writeSync(a!.fd, 'first command\n');
      a!.finish();
      expect(got).toEqual(['first command\n']);
      expect(readdirSync(dir)).toEqual([]);
      // The same file, emptied: the next command's output starts at its beginning.
      const b = openCapture(dir, 0);
      expect(b).toBe(a);
      const next: string[] = [];
      b!.follow({ write: (_stream, text) => next.push(text) });
      writeSync(b!.fd, 'two\n');
      b!.finish();
      expect(next).toEqual(['two\n']);
      // Less free space than asked for: no capture file (the command uses pipes).
      expect(openCapture(dir, Number.MAX_SAFE_INTEGER)).toBeNull();
      openCapture(dir, 0)?.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a timeout ends the command and what it started; the log has what it printed', async () => {
    using q = quiet();
    q.pm.proc('hangs', { timeout: 0.5 }, ['sh', '-c', 'echo before-timeout; sleep 30 & wait']);
    q.pm.start('hangs');
    await q.pm.waitForAll({ throwOnFailure: false });
    const p = q.pm.getProcs().get('hangs')!;
    expect(p).toMatchObject({ state: 'failed', error: 'timeout' });
    const log = readFileSync(p.logFile!, 'utf8');
    // Why it ended, once: not also as the failure of the command the timeout killed.
    expect(log).toBe('before-timeout\nTimed out: timed out after 0.5s\n');
  });
});
