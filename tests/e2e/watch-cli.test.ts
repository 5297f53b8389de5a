/**
 * `parproc run --watch` from the CLI (issue 10): rebuilds in --json, the task file reloading when
 * edited (a syntax error is one line and watching goes on), and Ctrl+C ending it with exit 130 and
 * nothing left running; with no inputs to watch, a warning, and it still waits for Ctrl+C.
 */
import { describe, setDefaultTimeout, test } from 'bun:test';
import { expect } from 'bun:test';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CliRig, processesIn, StreamReader } from '../helpers/cli-rig.ts';
import { watchFlow } from '../helpers/watch-flow.ts';

setDefaultTimeout(60_000);

/** `parproc -w --json --no-db` in `rig`, with readers of its stdout and stderr. */
function watchIn(rig: CliRig) {
  const child = rig.spawn(['-w', '--json', '--no-db']);
  const out = new StreamReader(child.stdout);
  return {
    child,
    out,
    err: new StreamReader(child.stderr),
    /** Waits for the reloaded child to watch, ends it with Ctrl+C (exit 130); the default proc returned `output`. */
    async reloadedTo(output: string) {
      await out.until((t) => t.split('"type":"watch-ready"').length === 3);
      child.kill('SIGINT');
      expect(await child.exited).toBe(130);
      expect(await out.rest()).toContain(`"output":"${output}"`);
    },
  };
}

describe('parproc run --watch', () => {
  test('rebuilds, task-file reloads, a syntax error, Ctrl+C (bun src/cli.ts)', async () => {
    await using rig = await CliRig.create();
    await watchFlow(rig);
  });

  test('the supervisor killed outright (kill -9) does not leave its watching child behind', async () => {
    await using rig = await CliRig.create();
    rig.write({ 'parproc.ts': `import { proc } from 'parproc';\nproc('default', { inputs: ['a.txt'] }, () => 1);\n`, 'a.txt': '1' });
    const supervisor = rig.spawn(['-w', '--json', '--no-db']);
    const out = new StreamReader(supervisor.stdout);
    await out.until((t) => t.includes('"type":"watch-ready"'));
    const children = readFileSync(`/proc/${supervisor.pid}/task/${supervisor.pid}/children`, 'utf8').trim().split(/\s+/).map(Number);
    expect(children.length).toBe(1);
    supervisor.kill('SIGKILL');
    await supervisor.exited;
    // Before, the child went on watching for good. Now its parent's death stops it as Ctrl+C
    // would; waits for that (polling /proc, 20 s at most), and ends it itself if it did not.
    const alive = () => processesIn(rig.dir).some((l) => l.startsWith(`${children[0]} `));
    for (const until = Date.now() + 20_000; alive() && Date.now() < until; ) await Bun.sleep(20);
    const left = alive();
    if (left) process.kill(children[0] as number, 'SIGKILL');
    expect(left).toBe(false);
  });

  test('an edit of a module the task file imports reloads it, naming the module', async () => {
    await using rig = await CliRig.create();
    rig.write({ 'parproc.ts': `import { proc } from 'parproc';\nimport { v } from './lib/v.ts';\nproc('default', () => v);\n`, 'lib/v.ts': `export const v = 'v1';\n` });
    const w = watchIn(rig);
    const { out, err } = w;
    await out.until((t) => t.includes('"type":"watch-ready"'));
    writeFileSync(join(rig.dir, 'lib/v.ts'), `export const v = 'v2';\n`);
    // Before: 'parproc.ts changed: reloading', though the task file was as it was.
    await err.until((t) => t.includes('changed: reloading'));
    expect(err.text).toContain('parproc: lib/v.ts changed: reloading parproc.ts\n');
    await w.reloadedTo('v2');
  });

  test('a task file with a syntax error at the start is waited out: fixed, it runs and watches; Ctrl+C before that exits 130', async () => {
    await using rig = await CliRig.create();
    rig.write({ 'parproc.ts': 'this is ((( not TypeScript\n', 'a.txt': '1' });
    const { child, out, err } = watchIn(rig);
    // Before, the watch ended at once with exit 2.
    await err.until((t) => t.includes('(watching for a fix)'));
    expect(err.text).toMatch(/^parproc: error in task file parproc\.ts:1:\d+: .* \(watching for a fix\)\n/);
    writeFileSync(join(rig.dir, 'parproc.ts'), `import { proc } from 'parproc';\nproc('default', { inputs: ['a.txt'] }, () => 'fixed');\n`);
    await out.until((t) => t.includes('"type":"watch-ready"'));
    child.kill('SIGINT');
    expect(await child.exited).toBe(130);
    expect(await out.rest()).toContain('"output":"fixed"');

    rig.write({ 'parproc.ts': 'this is ((( not TypeScript\n' });
    const idle = rig.spawn(['-w', '--no-db']);
    const idleErr = new StreamReader(idle.stderr);
    await idleErr.until((t) => t.includes('(watching for a fix)'));
    idle.kill('SIGINT');
    expect(await idle.exited).toBe(130);
  });

  test('a task file that throws at its top level is waited out, at the start and after an edit; Ctrl+C while waiting exits 130', async () => {
    await using rig = await CliRig.create();
    const good = (v: string) => `import { proc } from 'parproc';\nproc('default', { inputs: ['a.txt'] }, () => '${v}');\n`;
    rig.write({ 'parproc.ts': `import { proc } from 'parproc';\nproc('default', () => 1);\nthrow new Error('not yet');\n`, 'a.txt': '1' });
    const { child, out, err } = watchIn(rig);
    // Before, a throw (unlike a syntax error) ended the watch at once with exit 2.
    await err.until((t) => t.includes('waiting for the task file to be fixed'));
    expect(err.text).toBe('parproc: error in task file parproc.ts:3: not yet\nparproc: waiting for the task file to be fixed…\n');
    writeFileSync(join(rig.dir, 'parproc.ts'), good('fixed'));
    await out.until((t) => t.includes('"type":"watch-ready"'));
    expect(out.text).toContain('"name":"default","state":"succeeded"');
    // Broken by an edit (an unknown dep), then Ctrl+C with no child running: before, it went unheard.
    writeFileSync(join(rig.dir, 'parproc.ts'), `import { proc } from 'parproc';\nproc('default', { deps: ['nope'] }, () => 1);\n`);
    await err.until((t) => t.split('waiting for the task file to be fixed').length === 3);
    expect(err.text).toContain('parproc: proc "default": dependency "nope" is not a proc or a proto name\n');
    child.kill('SIGINT');
    expect(await child.exited).toBe(130);
  });

  test('a task file removed while watching is one line; put back, it reloads', async () => {
    await using rig = await CliRig.create();
    const file = (v: string) => `import { proc } from 'parproc';\nproc('default', { inputs: ['a.txt'] }, () => '${v}');\n`;
    rig.write({ 'parproc.ts': file('v1'), 'a.txt': '1' });
    const w = watchIn(rig);
    const { out, err } = w;
    await out.until((t) => t.includes('"type":"watch-ready"'));
    rmSync(join(rig.dir, 'parproc.ts'));
    // Before: `error in task file parproc.ts: ENOENT: no such file or directory, open '…'`.
    await err.until((t) => t.includes('(still watching)'));
    expect(err.text).toEndWith('\nparproc: parproc.ts was removed: its last definitions stay in use until it is back (still watching)\n');
    writeFileSync(join(rig.dir, 'parproc.ts'), file('v2'));
    await w.reloadedTo('v2');
  });

  test('with no inputs to watch: a warning, and it stays up for task-file edits until Ctrl+C', async () => {
    await using rig = await CliRig.create();
    const file = (v: string) => `import { proc } from 'parproc';\nproc('default', () => '${v}');\n`;
    rig.write({ 'parproc.ts': file('v1') });
    const w = watchIn(rig);
    const { out, err } = w;
    await out.until((t) => t.includes('"type":"watch-ready"'));
    expect(out.text).toContain('"message":"watch: none of the watched procs has inputs, so no input change can rebuild anything"');
    writeFileSync(join(rig.dir, 'parproc.ts'), file('v2'));
    await err.until((t) => t.includes('parproc.ts changed: reloading'));
    await w.reloadedTo('v2');
  });
});
