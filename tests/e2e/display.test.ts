// The plain display, traces and signals, through the real CLI.
import { Database } from 'bun:sqlite';
import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CliRig, parseNdjson, processesMatching, StreamReader } from '../helpers/cli-rig.ts';

setDefaultTimeout(30_000);

describe('static output', () => {
  test('end lines, snippets under --- lines a-b --- headers, output paths one per line, a summary; no ANSI off a terminal', async () => {
    await using rig = await CliRig.create();
    rig.write({
      'parproc.ts': `import { proc, ignoreLogIfSucceeded } from 'parproc';
proc('noisy', { logIgnore: [ignoreLogIfSucceeded(/^warning: ignorable/)] }, (ctx) => { ctx.log('one'); ctx.log('warning: ignorable'); ctx.log('warning: real one'); ctx.log('two'); });
proc('lost', { outputs: ['dist/a.js', 'dist/b.js'] }, () => 1);
proc('quiet', () => 1);
`,
    });
    // FORCE_COLOR unset, CI set, stdout a pipe: plain text.
    const r = await rig.exec(['noisy', 'lost', 'quiet'], { env: { NO_COLOR: '' } });
    expect(r.code).toBe(1);
    expect(r.stdout).not.toContain('\x1b[');
    // Durations follow a space; a temp dir's random name (…-6HUf5s) must not look like one.
    const out = r.stdout.replace(/(?<= )\d+(\.\d+)?m?s\b/g, 'T');
    expect(out).toContain('✓ noisy T\n    --- lines 1-4 ---\n    one\n    warning: real one\n    two\n');
    expect(out).toContain(`✗ lost T outputs-not-refreshed\n    outputs not refreshed:\n      ${join(rig.dir, 'dist/a.js')}\n      ${join(rig.dir, 'dist/b.js')}\n`);
    expect(out).toContain('✓ quiet T\n');
    expect(out).toContain(`    log: ${join(rig.dir, '.parproc', 'logs', 'noisy.log')}\n`);
    expect(out).toMatch(/Failed in T: 2 succeeded, 1 failed\n  ✗ lost  .*lost\.log\n$/);
  });

  test('FORCE_COLOR keeps colours in a pipe', async () => {
    await using rig = await CliRig.create();
    rig.write({ 'parproc.ts': `import { proc } from 'parproc';\nproc('default', () => 1);\n` });
    const r = await rig.exec([], { env: { NO_COLOR: '', FORCE_COLOR: '1' } });
    expect(r.stdout).toContain('\x1b[32m✓');
  });
});

describe('--trace', () => {
  test('Chrome trace-event JSON: one complete event per proc with state and error, one row per concurrent slot', async () => {
    await using rig = await CliRig.create();
    rig.write({
      'parproc.ts': `import { proc } from 'parproc';
proc('a', () => Bun.sleep(60));
proc('b', () => Bun.sleep(60));
proc('c', { deps: ['a'] }, () => { throw new Error('c broke'); });
proc('d', { deps: ['c'] }, () => 1);
proc('default', { deps: ['b', 'd'] }, () => 1);
`,
    });
    const r = await rig.exec(['--trace', 'out/trace.json']);
    expect(r.code).toBe(1);
    const trace = JSON.parse(readFileSync(join(rig.dir, 'out', 'trace.json'), 'utf8'));
    const all = trace.traceEvents.filter((e: { ph: string }) => e.ph === 'X');
    const complete = all.filter((e: { cat: string }) => e.cat === 'proc');
    // The critical path (c failed after a ran: a → c) is marked on a track of its own.
    const critical = all.filter((e: { cat: string }) => e.cat === 'critical-path');
    expect(critical.map((e: { name: string }) => e.name)).toEqual(['a', 'c']);
    expect(new Set(critical.map((e: { tid: number }) => e.tid)).size).toBe(1);
    const byName = Object.fromEntries(complete.map((e: { name: string }) => [e.name, e]));
    expect(Object.keys(byName).sort()).toEqual(['a', 'b', 'c', 'd', 'default']);
    expect(byName.c.args).toMatchObject({ state: 'failed', error: 'exception', moreInfo: 'c broke' });
    expect(byName.d.args).toMatchObject({ state: 'failed-dep', error: 'dep-failed' });
    expect(byName.d.tid).toBe(0); // never ran: the "not run" row
    expect(byName.a.tid).not.toBe(byName.b.tid); // a and b overlapped: two slots
    expect(byName.a.dur).toBeGreaterThan(0);
    const threads = trace.traceEvents.filter((e: { ph: string; name: string }) => e.ph === 'M' && e.name === 'thread_name');
    expect(threads.map((t: { args: { name: string } }) => t.args.name)).toEqual(['not run', 'critical path', 'slot 1', 'slot 2']);
  });

  test('setOptions({ traceFile }) writes each run from the library', async () => {
    await using rig = await CliRig.create();
    rig.write({
      'script.ts': `import { ProcManager } from ${JSON.stringify(join(import.meta.dir, '..', '..', 'src', 'index.ts'))};
const pm = new ProcManager({ display: false });
pm.setOptions({ traceFile: 'lib-trace.json' });
pm.proc('x', () => 1);
pm.start('x');
await pm.waitForAll();
`,
    });
    const p = Bun.spawnSync([process.execPath, 'script.ts'], { cwd: rig.dir });
    expect(p.exitCode).toBe(0);
    const trace = JSON.parse(readFileSync(join(rig.dir, 'lib-trace.json'), 'utf8'));
    expect(trace.traceEvents.filter((e: { ph: string; cat: string }) => e.ph === 'X' && e.cat === 'proc').map((e: { name: string }) => e.name)).toEqual(['x']);
  });
});

describe('signals', () => {
  for (const [signal, code] of [['SIGTERM', 143], ['SIGHUP', 129]] as const) {
    test(`${signal}: running procs interrupted with their process groups, the DB flushed, exit ${code}`, async () => {
      await using rig = await CliRig.create();
      const marker = `62.${process.pid}${code}`;
      rig.write({
        'parproc.ts': `import { proc } from 'parproc';\nproc('quick', () => 1);\nproc('default', { deps: ['quick'] }, async (ctx) => { await ctx.exec(['sh', '-c', 'sleep ${marker} & echo ready; wait']); });\n`,
      });
      const child = rig.spawn(['--json']);
      const out = new StreamReader(child.stdout);
      await out.until((t) => t.includes('"text":"ready\\n"'));
      child.kill(signal);
      const [stdout, stderr, exit] = await Promise.all([out.rest(), new Response(child.stderr).text(), child.exited]);
      expect(exit).toBe(code);
      expect(stderr).toContain('Tasks Aborted');
      expect(processesMatching(`sleep ${marker}`)).toEqual([]);
      expect(parseNdjson(stdout).summary.procs.find((p) => p.name === 'default')).toMatchObject({ state: 'failed', error: 'interrupted' });
      const db = new Database(join(rig.dir, '.parproc', 'parproc.db'), { readonly: true });
      const rows = db.query('SELECT proc, status FROM runs ORDER BY proc').all();
      db.close();
      expect(rows).toEqual([{ proc: 'default', status: 'failed' }, { proc: 'quick', status: 'success' }]);
    });
  }
});
