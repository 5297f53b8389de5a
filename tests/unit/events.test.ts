import { describe, expect, test } from 'bun:test';
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ProcManager, type RunEvent } from '../../src/index.ts';
import { StaticReporter } from '../../src/ui/static-reporter.ts';
import { rig } from '../helpers/manager.ts';

const ROOT = join(import.meta.dir, '..', '..');

describe('event stream', () => {
  test('a run emits run-start, state changes with timestamps, output, run-end — all plain JSON', async () => {
    using r = rig();
    r.pm.proc('a', () => {
      console.log('hi');
      return 1;
    });
    r.pm.proc('b', { deps: ['a'] }, () => 2);
    r.pm.start('b');
    await r.pm.waitForAll();
    const kinds = r.events.map((e) => (e.type === 'proc-state' ? `${e.name}:${e.state}` : e.type));
    expect(kinds).toEqual(['run-start', 'b:wanted', 'a:wanted', 'a:running', 'proc-output', 'a:succeeded', 'b:running', 'b:succeeded', 'run-end']);
    for (const e of r.events) {
      expect(JSON.parse(JSON.stringify(e))).toEqual(e);
      expect(typeof e.at).toBe('number');
    }
    const out = r.events.find((e) => e.type === 'proc-output');
    expect(out).toMatchObject({ name: 'a', stream: 'stdout', text: 'hi\n' });
    const end = r.events.at(-1) as Extract<RunEvent, { type: 'run-end' }>;
    expect(end.ok).toBe(true);
    expect(end.durationMs).toBeGreaterThanOrEqual(0);
    const done = r.events.find((e) => e.type === 'proc-state' && e.name === 'a' && e.state === 'succeeded');
    expect(done).toMatchObject({ error: null, moreInfo: null });
    expect((done as { durationMs: number }).durationMs).toBeGreaterThanOrEqual(0);
  });

  test('run-end reports failure; unsubscribe stops delivery', async () => {
    using r = rig();
    const seen: RunEvent[] = [];
    const off = r.pm.onEvent((e) => seen.push(e));
    r.pm.proc('x', () => {
      throw new Error('no');
    });
    r.pm.start('x');
    await r.pm.waitForAll({ throwOnFailure: false });
    expect(seen.at(-1)).toMatchObject({ type: 'run-end', ok: false });
    off();
    r.pm.proc('y', () => 1);
    r.pm.start('y');
    await r.pm.waitForAll({ throwOnFailure: false });
    expect(seen.filter((e) => e.type === 'run-start').length).toBe(1);
  });

  test('a throwing listener is removed and does not break the run', async () => {
    using r = rig();
    const orig = process.stderr.write;
    r.pm.onEvent(() => {
      throw new Error('bad listener');
    });
    r.pm.proc('z', () => 1);
    r.pm.start('z');
    await r.pm.waitForAll();
    expect(r.pm.results().z).toBe(1);
    expect(process.stderr.write).toBe(orig);
  });

  test('the static reporter prints one line per start and end with icon, name, duration and error', async () => {
    using r = rig();
    const lines: string[] = [];
    const rep = new StaticReporter({ write: (t) => lines.push(Bun.stripANSI(t)), options: () => ({ debug: false, fullLogOnFailure: false, snippets: 'all' as const }), logIgnore: () => [] });
    r.pm.onEvent(rep.onEvent);
    r.pm.proc('good', () => 1);
    r.pm.proc('bad', () => {
      throw new Error('broke');
    });
    r.pm.proc('dep', { deps: ['bad'] }, () => 1);
    r.pm.start('good', 'dep');
    await r.pm.waitForAll({ throwOnFailure: false });
    const text = lines.join('').replace(/\d+ms/g, 'Nms');
    expect(text).toContain('▶ good\n');
    expect(text).toContain('✓ good Nms\n');
    expect(text).toContain('✗ bad Nms exception: broke\n');
    expect(text).toContain('🚫 dep dep-failed: canceled due to failure of "bad"\n');
    expect(text).toContain('    --- lines 1-');
    expect(text).toContain('    Error: broke\n');
    // The summary names every failed proc with its log path; snippets end with the log path.
    expect(text).toMatch(/Failed in Nms: 1 succeeded, 1 failed, 1 canceled\n  ✗ bad  \/.*\/logs\/bad\.log\n$/);
    expect(text).toMatch(/\n    log: \/.*\/logs\/bad\.log\n/);
  });
});

describe('procs that never started', () => {
  test('a failing root of many dependents: ten canceled lines, one line for the rest, every one counted', async () => {
    using r = rig();
    const lines: string[] = [];
    const rep = new StaticReporter({ write: (t) => lines.push(Bun.stripANSI(t)), options: () => ({ debug: false, fullLogOnFailure: false, snippets: 'none' as const }), logIgnore: () => [] });
    r.pm.onEvent(rep.onEvent);
    r.pm.proc('root', () => {
      throw new Error('broke');
    });
    const deps = Array.from({ length: 30 }, (_, i) => `dep${i}`);
    for (const d of deps) r.pm.proc(d, { deps: ['root'] }, () => 1);
    r.pm.start(...deps);
    await r.pm.waitForAll({ throwOnFailure: false });
    const text = lines.join('').replace(/\d+ms/g, 'Nms');
    expect(text.match(/^🚫 dep\d+ dep-failed/gm)).toHaveLength(10);
    expect(text).toContain('🚫 … and 20 more that did not start (canceled or interrupted)\nFailed in Nms: 1 failed, 30 canceled\n  ✗ root');
    // A second run starts counting again.
    lines.length = 0;
    r.pm.start('dep0');
    await r.pm.waitForAll({ throwOnFailure: false });
    expect(lines.join('')).not.toContain('more that did not start');
  });

  test('procs interrupted before they started are counted in the summary, not listed one by one', async () => {
    using r = rig();
    const lines: string[] = [];
    const rep = new StaticReporter({ write: (t) => lines.push(Bun.stripANSI(t)), options: () => ({ debug: false, fullLogOnFailure: false, snippets: 'none' as const }), logIgnore: () => [] });
    r.pm.onEvent(rep.onEvent);
    r.pm.setOptions({ parallel: 1 });
    let started!: () => void;
    const running = new Promise<void>((res) => (started = res));
    r.pm.proc('first', async (ctx) => {
      started();
      await new Promise((res) => ctx.signal.addEventListener('abort', res));
    });
    const waiting = Array.from({ length: 25 }, (_, i) => `w${i}`);
    for (const w of waiting) r.pm.proc(w, () => 1);
    r.pm.start('first', ...waiting);
    await running;
    r.pm.interrupt();
    await r.pm.waitForAll({ throwOnFailure: false });
    const text = lines.join('').replace(/\d+ms/g, 'Nms');
    expect(text.match(/^✗ w\d+ interrupted: interrupted before it started$/gm)).toHaveLength(10);
    expect(text).toContain('🚫 … and 15 more that did not start (canceled or interrupted)\n');
    // Counted as interrupted (before: "26 failed", as if each had failed on its own).
    expect(text).toMatch(/Failed in Nms: 26 interrupted\n  ✗ first\s+\S*\n$/);
  });
});

describe('library copies and the default manager', () => {
  test('two loaded copies of the library share the default manager', async () => {
    const copy = join(ROOT, 'node_modules', '.cache', `parproc-copy-${process.pid}`);
    rmSync(copy, { recursive: true, force: true });
    mkdirSync(copy, { recursive: true });
    cpSync(join(ROOT, 'src'), join(copy, 'src'), { recursive: true });
    try {
      const a = await import(join(ROOT, 'src', 'index.ts'));
      const b = await import(join(copy, 'src', 'index.ts'));
      expect(a.ProcManager).not.toBe(b.ProcManager);
      expect(a.defaultManager()).toBe(b.defaultManager());
      a.setOptions({ display: false });
      a.proc('from-a', () => 'A');
      b.proc('from-b', { deps: ['from-a'] }, () => {
        // An error class of copy A is recognised by copy B's runner.
        throw new a.ProcSkippedError('skip via copy A');
      });
      b.start('from-b');
      await a.waitForAll();
      expect(b.getProcs().get('from-b').state).toBe('skipped');
      expect(a.results()).toEqual({ 'from-a': 'A', 'from-b': null });
      a.clear();
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });

  test('module-level functions act on one default manager', async () => {
    const lib = await import('../../src/index.ts');
    lib.setOptions({ display: false });
    lib.proc('m1', () => 1);
    lib.proto('m2::[x]', (_c: unknown, a: { x: string }) => a.x);
    const names = lib.run('m2::q');
    lib.start('m1');
    await lib.waitForAll();
    expect(names).toEqual(['m2::q']);
    expect(lib.results()).toEqual({ m1: 1, 'm2::q': 'q' });
    expect(lib.getProcs().size).toBe(2);
    expect(await lib.waitClear()).toBe(true);
    expect(lib.getProcs().size).toBe(0);
    expect(lib.getProtos().size).toBe(0);
    expect(new ProcManager({ display: false })).not.toBe(lib.defaultManager());
  });
});
