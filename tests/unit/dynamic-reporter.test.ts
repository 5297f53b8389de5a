import { afterAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ProcStateEvent, RunEvent } from '../../src/index.ts';
import { DynamicReporter, fileLink, progressBar, type Terminal } from '../../src/ui/dynamic-reporter.ts';

const dir = mkdtempSync(join(tmpdir(), 'parproc-dyn-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A terminal in memory: what was written, a size that can change, a resize signal. */
function fakeTerminal(columns: number, rows: number) {
  const writes: string[] = [];
  let listener: (() => void) | null = null;
  const size = { columns, rows };
  const term: Terminal = {
    write: (t) => void writes.push(t),
    columns: () => size.columns,
    rows: () => size.rows,
    onResize: (l) => {
      listener = l;
      return () => (listener = null);
    },
  };
  return { term, writes, size, resize: () => listener?.() };
}

const ctx = { options: () => ({ debug: false, fullLogOnFailure: false, snippets: 'all' as const }), logIgnore: () => [] };
const state = (name: string, s: ProcStateEvent['state'], extra: Partial<ProcStateEvent> = {}): RunEvent => ({
  type: 'proc-state', at: Date.now(), name, state: s, error: null, moreInfo: null, logFile: join(dir, `${name}.log`),
  durationMs: null, expectedMs: null, outputBytes: null, cache: null, ...extra,
});

describe('the live display', () => {
  test('a watch rebuild names what changed (at most three paths) and the procs it reruns', () => {
    const t = fakeTerminal(200, 20);
    const r = new DynamicReporter(t.term, ctx);
    r.onEvent({ type: 'watch-rebuild', at: Date.now(), changed: ['src/a.ts'], procs: ['build', 'test'] });
    r.onEvent({ type: 'watch-rebuild', at: Date.now(), changed: ['a', 'b', 'c', 'd', 'e'], procs: ['build'] });
    r.onEvent({ type: 'watch-ready', at: Date.now() }); // flushes the queued lines
    r.dispose();
    const text = Bun.stripANSI(t.writes.join(''));
    expect(text).toContain('↻ src/a.ts changed: rebuilding build, test\n');
    expect(text).toContain('↻ a, b, c and 2 more changed: rebuilding build\n');
  });

  test('frames are as wide as the terminal when they are drawn, and follow a resize', () => {
    const t = fakeTerminal(60, 20);
    const r = new DynamicReporter(t.term, ctx);
    writeFileSync(join(dir, 'a.log'), 'error: first\n');
    writeFileSync(join(dir, 'b.log'), 'error: second\n');
    r.onEvent({ type: 'run-start', at: Date.now() });
    r.onEvent(state('a', 'failed', { error: 'exception', moreInfo: 'x', durationMs: 1, outputBytes: 13 }));
    t.size.columns = 40;
    t.resize();
    r.onEvent(state('b', 'failed', { error: 'exception', moreInfo: 'x', durationMs: 1, outputBytes: 14 }));
    r.onEvent({ type: 'run-end', at: Date.now(), ok: false, durationMs: 2, criticalPath: [] });
    r.dispose();
    const lines = Bun.stripANSI(t.writes.join('')).split('\n');
    const tops = lines.filter((l) => l.startsWith('╭─'));
    expect(tops.map((l) => [...l].length)).toEqual([60, 40]);
    expect(lines.filter((l) => l.startsWith('│')).every((l) => [...l].length === 60 || [...l].length === 40)).toBe(true);
  });

  test('a wide character (emoji, CJK) is two columns: no line of the live area or of a frame is wider than the terminal', () => {
    const t = fakeTerminal(30, 20);
    const r = new DynamicReporter(t.term, ctx);
    writeFileSync(join(dir, 'wide.log'), `error: 构建失败 ${'🚀'.repeat(15)} ${'中文'.repeat(6)}\n`);
    r.onEvent({ type: 'run-start', at: Date.now() });
    r.onEvent(state(`部署 ${'🚀'.repeat(12)} with a long name`, 'running'));
    r.onEvent({ type: 'watch-ready', at: Date.now() }); // draws the live area at once
    r.onEvent(state('wide', 'failed', { error: 'exception', moreInfo: 'x', durationMs: 1, outputBytes: 80 }));
    r.onEvent({ type: 'run-end', at: Date.now(), ok: false, durationMs: 2, criticalPath: [] });
    r.dispose();
    const lines = t.writes.join('').split('\n');
    const running = lines.find((l) => l.includes('部署')) as string;
    expect(running).toContain('…');
    expect(Bun.stringWidth(running)).toBeLessThanOrEqual(30);
    expect(lines.filter((l) => /[╭│╰]/.test(Bun.stripANSI(l))).map((l) => Bun.stringWidth(l))).toEqual(Array(6).fill(30));
  });

  test('names too long for the live area keep their start and more of their end: procs sharing a long start stay told apart', () => {
    const t = fakeTerminal(40, 20);
    const r = new DynamicReporter(t.term, ctx);
    const names = [1, 2].map((i) => `a-rather-long-proc-name-number-${i}-with-more-text`);
    r.onEvent({ type: 'run-start', at: Date.now() });
    for (const n of names) r.onEvent(state(n, 'running'));
    r.onEvent({ type: 'watch-ready', at: Date.now() }); // draws the live area at once
    r.dispose();
    const lines = t.writes.join('').split('\n').map((l) => Bun.stripANSI(l));
    const shown = names.map((n) => lines.find((l) => l.includes(`-${n.split('-')[6]}-with-more-text`)));
    expect(shown.every((l) => l !== undefined && l.includes('a-rather-') && l.includes('…') && Bun.stringWidth(l) <= 40)).toBe(true);
  });

  test('procs that never started: ten lines by name, then one for the rest', () => {
    const t = fakeTerminal(80, 20);
    const r = new DynamicReporter(t.term, ctx);
    r.onEvent({ type: 'run-start', at: Date.now() });
    for (let i = 0; i < 14; i++) r.onEvent(state(`c${i}`, 'failed-dep', { error: 'dep-failed', moreInfo: 'canceled due to failure of "x"', logFile: null }));
    r.onEvent({ type: 'run-end', at: Date.now(), ok: false, durationMs: 2, criticalPath: [] });
    r.dispose();
    const text = Bun.stripANSI(t.writes.join(''));
    expect(text.match(/🚫 c\d+ dep-failed/g)).toHaveLength(10);
    expect(text).toContain('🚫 … and 4 more that did not start (canceled or interrupted)\n');
    expect(text).toContain('14 canceled');
  });

  test("a failure's snippet is shown once, framed (not also plain above the frame)", () => {
    const t = fakeTerminal(60, 20);
    const r = new DynamicReporter(t.term, ctx);
    writeFileSync(join(dir, 'once.log'), 'error: shown once\n');
    r.onEvent({ type: 'run-start', at: Date.now() });
    r.onEvent(state('once', 'failed', { error: 'exception', moreInfo: 'x', durationMs: 1, outputBytes: 18 }));
    r.onEvent({ type: 'run-end', at: Date.now(), ok: false, durationMs: 2, criticalPath: [] });
    r.dispose();
    const out = Bun.stripANSI(t.writes.join(''));
    expect(out.match(/error: shown once/g)).toHaveLength(1);
    expect(out).toMatch(/│ error: shown once +│/);
    expect(out).not.toContain('    log: ');
  });

  test('nothing is written when nothing changed, and the cursor comes back at the end', () => {
    const t = fakeTerminal(80, 20);
    const r = new DynamicReporter(t.term, ctx);
    r.onEvent({ type: 'run-start', at: Date.now() });
    r.onEvent({ type: 'run-end', at: Date.now(), ok: true, durationMs: 0, criticalPath: [] });
    const count = t.writes.length;
    t.resize(); // no run: nothing to draw
    expect(t.writes.length).toBe(count);
    expect(t.writes.join('')).toContain('\x1b[?25l');
    expect(t.writes.at(-1)).toBe('\x1b[?25h');
    r.dispose();
  });

  test("a log's link is a file URL: spaces, `#`, `?`, `%` and non-ASCII in the path are encoded", () => {
    expect(fileLink('a', '/p/c#/x y/ü?/a%2Fb.log')).toBe('\x1b]8;;file:///p/c%23/x%20y/%C3%BC%3F/a%252Fb.log\x1b\\a\x1b]8;;\x1b\\');
    expect(fileLink('a', null)).toBe('a');
  });

  test('progress is capped at 99% while running', () => {
    expect(Bun.stripANSI(progressBar(500, 1000))).toEndWith(' 50%');
    expect(Bun.stripANSI(progressBar(5000, 1000))).toEndWith(' 99%');
  });
});
