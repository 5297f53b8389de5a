/**
 * The modes from the CLI (`bun src/cli.ts`): `--mode worker|process` and per-proc modes, with
 * output captured into logs (never on the terminal), the task DB owned by the parent, prompts
 * forwarded, and Ctrl+C leaving no worker, child or grandchild behind.
 */
import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CliRig, parseNdjson, processesIn, processesMatching, StreamReader } from '../helpers/cli-rig.ts';
import { MODES_TASK_FILE } from '../helpers/task-files.ts';

setDefaultTimeout(60_000);

describe('--mode from the CLI', () => {
  for (const mode of ['worker', 'process'] as const) {
    test(`--mode ${mode}: procs run there, output only in logs, the parent keeps the task DB`, async () => {
      await using rig = await CliRig.create();
      rig.write({ 'parproc.ts': MODES_TASK_FILE, 'in.txt': 'x' });
      const r = await rig.exec(['a', 'b', 'in-process', 'cmd', '--mode', mode, '--json']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).not.toContain('printed by a\n'); // only inside proc-output events
      const { summary, events } = parseNdjson(r.stdout);
      expect(summary.ok).toBe(true);
      const outputs = events.filter((e) => e.type === 'proc-output').map((e) => (e as { text: string }).text).join('');
      expect(outputs).toContain('printed by a\n');
      expect(outputs).toContain('command output\n');
      expect(outputs).toContain(`exec=${process.execPath}\n`);
      expect(readFileSync(join(rig.dir, '.parproc', 'logs', 'b.log'), 'utf8')).toBe('written by b\n');
      // Where each ran: the worker shares the CLI's pid, a child has its own.
      const states = events.filter((e) => e.type === 'proc-state' && e.state === 'succeeded').map((e) => (e as { name: string }).name);
      expect(states.sort()).toEqual(['a', 'b', 'cmd', 'in-process']);
      // Second run: a is up to date (the parent checked the DB, the child or worker never opened it).
      const again = await rig.exec(['a', '--mode', mode, '--json']);
      expect(parseNdjson(again.stdout).summary.procs.find((p) => p.name === 'a')?.state).toBe('up-to-date');
    });
  }

  test("procs made in a loop's callback (map, forEach, a helper) run in workers and children", async () => {
    // A child's stack holds four frames of parproc's bundle, then map's: capturing five lost the
    // caller, and every such proc failed "its function is not defined at the top level".
    await using rig = await CliRig.create();
    rig.write({
      'parproc.ts': `import { proc } from 'parproc';
export const twice = (ctx: { procName: string }) => Number(ctx.procName.split('-')[2]) * 2;
const define = (name: string, mode: 'worker' | 'process') => proc(name, { mode }, twice);
for (const mode of ['worker', 'process'] as const) {
  [0, 1].map((i) => proc(mode + '-map-' + i, { mode }, twice));
  [2, 3].forEach((i) => define(mode + '-each-' + i, mode));
}
`,
    });
    const r = await rig.exec(['*-*-*', '--json']);
    expect(Object.fromEntries(parseNdjson(r.stdout).summary.procs.map((p) => [p.name, p.state === 'succeeded' ? (p as { output?: unknown }).output : p.moreInfo]))).toEqual({
      'worker-map-0': 0, 'worker-map-1': 2, 'worker-each-2': 4, 'worker-each-3': 6,
      'process-map-0': 0, 'process-map-1': 2, 'process-each-2': 4, 'process-each-3': 6,
    });
  });

  test('ctx.prompt in a child process asks on the parent terminal', async () => {
    await using rig = await CliRig.create();
    rig.write({ 'parproc.ts': `import { proc } from 'parproc';\nproc('ask', { mode: 'process' }, async (ctx) => 'hi ' + await ctx.prompt('Name?'));\n` });
    const r = await rig.exec(['ask', '--json'], { stdin: 'bun\n' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('Name?');
    expect(parseNdjson(r.stdout).summary.procs).toContainEqual(expect.objectContaining({ name: 'ask', state: 'succeeded' }));
  });

  test('Ctrl+C leaves no worker, child process or grandchild behind', async () => {
    // "ready" once the background sleep has exec'd (a forked shell not yet: ps would not show it).
    const UNTIL_EXEC = 'until [ "$(cat /proc/$!/comm 2>/dev/null)" = sleep ]; do :; done;';
    await using rig = await CliRig.create();
    const marker = `64.${process.pid}${Date.now() % 1000}`;
    rig.write({
      'parproc.ts': `import { proc } from 'parproc';
proc('w', { mode: 'worker' }, async (ctx) => { await ctx.$\`sleep ${marker} & ${UNTIL_EXEC} echo ready-w; wait\`; });
proc('p', { mode: 'process' }, async (ctx) => { await ctx.$\`sleep ${marker} & ${UNTIL_EXEC} echo ready-p; wait\`; });
proc('busy-child', { mode: 'process' }, () => { console.log('ready-busy'); for (;;) {} });
`,
    });
    const child = rig.spawn(['w', 'p', 'busy-child', '--json']);
    const out = new StreamReader(child.stdout);
    await out.until((t) => t.includes('ready-w') && t.includes('ready-p') && t.includes('ready-busy'));
    expect(processesMatching(`sleep ${marker}`).length).toBe(2);
    child.kill('SIGINT');
    expect(await child.exited).toBe(130);
    const { summary } = parseNdjson(await out.rest());
    expect(summary.procs.map((p) => [p.name, p.error, p.moreInfo])).toEqual(expect.arrayContaining([['w', 'interrupted', null], ['p', 'interrupted', null], ['busy-child', 'interrupted', null]]));
    expect(processesMatching(`sleep ${marker}`)).toEqual([]);
    expect(processesMatching(`${process.execPath} ${join(rig.dir, '..')}`).filter((l) => l.includes('child-entry'))).toEqual([]);
    expect(processesMatching('').filter((l) => l.includes('runners/child-entry.ts'))).toEqual([]);
    // From the sources, children run a bundle of child-main.ts (process-runner.ts): none is left either.
    expect(processesMatching('').filter((l) => l.includes(join(tmpdir(), 'parproc-child-bundles')))).toEqual([]);
  });
  test('a CLI killed outright (SIGKILL) leaves no process-mode child spinning', async () => {
    // A child busy in a synchronous loop never reads its IPC channel, so only the kernel's
    // parent-death signal (runners/parent-death.ts) can end it; an idle child ends on 'disconnect'.
    await using rig = await CliRig.create();
    rig.write({
      'parproc.ts': `import { proc } from 'parproc';
proc('busy', { mode: 'process' }, () => { console.log('pid=' + process.pid); for (;;) {} });
proc('idle', { mode: 'process' }, async () => { console.log('pid=' + process.pid); await new Promise(() => setInterval(() => {}, 1000)); });
`,
    });
    const child = rig.spawn(['busy', 'idle', '--json']);
    const out = new StreamReader(child.stdout);
    await out.until((t) => (t.match(/pid=\d+/g) ?? []).length === 2);
    const pids = [...out.text.matchAll(/pid=(\d+)/g)].map((m) => Number(m[1]));
    expect(pids.every((pid) => processesIn(rig.dir).some((l) => l.startsWith(`${pid} `)))).toBe(true);
    child.kill('SIGKILL');
    await child.exited;
    // Waits for the event (the children gone), polling /proc for up to 20 s; a failing run ends
    // what it found, so no spinning child outlives the test.
    const alive = () => pids.filter((pid) => processesIn(rig.dir).some((l) => l.startsWith(`${pid} `)));
    for (const until = Date.now() + 20_000; alive().length > 0 && Date.now() < until; ) await Bun.sleep(20);
    const left = alive();
    for (const pid of left) process.kill(pid, 'SIGKILL');
    expect(left).toEqual([]);
  });
});
