import { afterAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ignoreLogAlways, ignoreLogIfSucceeded } from '../../src/index.ts';
import { frameTitle, framedSnippet, plainSnippet } from '../../src/ui/frame.ts';
import { extractSnippet, type SnippetInput } from '../../src/ui/snippets.ts';

const dir = mkdtempSync(join(tmpdir(), 'parproc-snip-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
function log(lines: string[]): string {
  const path = join(dir, `${++n}.log`);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}
const failed: SnippetInput = { state: 'failed', error: 'exception', logIgnore: [], fullLogOnFailure: false };
const ok: SnippetInput = { state: 'succeeded', error: null, logIgnore: [], fullLogOnFailure: false };
const numbered = (count: number, at: Record<number, string> = {}) => Array.from({ length: count }, (_, i) => at[i + 1] ?? `line ${i + 1}`);

describe('snippet extraction', () => {
  test('keywords are whole words: _warning and errors_total do not trigger a snippet', () => {
    const path = log(['compiling', 'set _warning=1', 'metric errors_total 0', 'myerror happened', 'done']);
    expect(extractSnippet(path, ok)).toBeNull();
  });

  test("a coloured keyword counts (a tool's ANSI codes around `error`), and the snippet shows its lines plain", () => {
    const s = extractSnippet(log(numbered(10, { 3: '\x1b[2mdim\x1b[22m', 5: '\x1b[33mwarning\x1b[39m: careful' })), ok);
    expect(s?.ranges[0]?.lines.map(([, t]) => t)).toEqual(['dim', 'line 4', 'warning: careful', 'line 6', 'line 7']);
  });

  test('each keyword, any case, with 2 lines of context either side', () => {
    for (const word of ['Exception', 'ERROR', 'warning', 'Notice', 'deprecated', 'DEPRECATION']) {
      const s = extractSnippet(log(numbered(10, { 5: `a ${word}: here` })), ok);
      expect(s?.kind).toBe('warning');
      expect(s?.ranges.map((r) => [r.start, r.end])).toEqual([[3, 7]]);
      expect(s?.ranges[0]?.lines.map(([, t]) => t)).toEqual(['line 3', 'line 4', `a ${word}: here`, 'line 6', 'line 7']);
    }
  });

  test('two keyword lines 3 apart merge into one range; far apart they stay two', () => {
    const merged = extractSnippet(log(numbered(20, { 5: 'error one', 8: 'error two' })), ok);
    expect(merged?.ranges.map((r) => [r.start, r.end])).toEqual([[3, 10]]);
    expect(merged?.ranges[0]?.lines.map(([k]) => k)).toEqual([3, 4, 5, 6, 7, 8, 9, 10]);
    const adjacent = extractSnippet(log(numbered(20, { 5: 'error one', 10: 'error two' })), ok);
    expect(adjacent?.ranges.map((r) => [r.start, r.end])).toEqual([[3, 12]]);
    const apart = extractSnippet(log(numbered(20, { 5: 'error one', 11: 'error two' })), ok);
    expect(apart?.ranges.map((r) => [r.start, r.end])).toEqual([[3, 7], [9, 13]]);
  });

  test('ranges are clipped at the start and end of the log', () => {
    const s = extractSnippet(log(['error first', 'b', 'c', 'd', 'warning last']), ok);
    expect(s?.ranges.map((r) => [r.start, r.end])).toEqual([[1, 5]]);
  });

  test('a failure with no keyword shows its last 16 lines', () => {
    const s = extractSnippet(log(numbered(40)), failed);
    expect(s?.kind).toBe('error');
    expect(s?.ranges.map((r) => [r.start, r.end])).toEqual([[25, 40]]);
  });

  test("a failed log whose one line is what the end line says (parproc's own message) gives no snippet", () => {
    const timeout = { ...failed, error: 'timeout' as const, endLine: 'timed out after 0.15s' };
    expect(extractSnippet(log(['Timed out: timed out after 0.15s']), timeout)).toBeNull();
    expect(extractSnippet(log(['Error: b broke']), { ...failed, endLine: 'b broke' })).toBeNull();
    // Anything more, or something else, is shown.
    expect(extractSnippet(log(['compiling', 'Timed out: timed out after 0.15s']), timeout)?.ranges[0]?.lines.length).toBe(2);
    expect(extractSnippet(log(['Error: b broke']), { ...failed, endLine: 'something else' })?.ranges[0]?.lines.length).toBe(1);
    expect(extractSnippet(log(['Error: b broke']), failed)?.ranges[0]?.lines.length).toBe(1);
  });

  test('fullLogOnFailure shows the whole log of a failure (and not of a success)', () => {
    const path = log(numbered(40, { 3: 'warning x' }));
    expect(extractSnippet(path, { ...failed, fullLogOnFailure: true })?.ranges.map((r) => [r.start, r.end])).toEqual([[1, 40]]);
    expect(extractSnippet(path, { ...ok, fullLogOnFailure: true })?.ranges.map((r) => [r.start, r.end])).toEqual([[1, 5]]);
  });

  test('skipped, up-to-date and failed-dep procs show no snippet', () => {
    const path = log(['error: everywhere']);
    for (const state of ['skipped', 'up-to-date', 'failed-dep'] as const) expect(extractSnippet(path, { ...ok, state })).toBeNull();
  });

  test('logIgnore: bare strings and RegExps always, ignoreLogIfSucceeded only on success', () => {
    const path = log(['start', 'warning: known noisy tool warning', 'error: flaky-but-non-blocking', 'deprecated: old-sdk', 'end']);
    const rules = [ignoreLogAlways(/^warning: known noisy/), ignoreLogIfSucceeded('^error: flaky-but-non-blocking$'), '^deprecated: old-sdk'];
    expect(extractSnippet(path, { ...ok, logIgnore: rules })).toBeNull();
    const f = extractSnippet(path, { ...failed, logIgnore: rules });
    expect(f?.ranges[0]?.lines.map(([, t]) => t)).toEqual(['start', 'error: flaky-but-non-blocking', 'end']);
    expect(f?.ranges[0]?.lines.map(([k]) => k)).toEqual([1, 3, 5]);
  });

  test('a logIgnore RegExp with /g or /y ignores every line it matches, not every other one', () => {
    const lines = ['warning: noisy', 'warning: noisy', 'warning: noisy', 'warning: real'];
    for (const re of [/noisy/g, /warning: noisy/y]) {
      const s = extractSnippet(log(lines), { ...ok, logIgnore: [re] });
      expect(s?.ranges.flatMap((r) => r.lines.map(([, t]) => t))).toEqual(['warning: real']);
    }
  });

  test('a very long line is clipped in the snippet (the log keeps it whole); --full-log shows it whole', () => {
    const long = `error: ${'x'.repeat(300_000)}`;
    const s = extractSnippet(log(['before', long, 'after']), failed)!;
    const shown = s.ranges.flatMap((r) => r.lines.map(([, t]) => t));
    expect(shown).toContain(`error: ${'x'.repeat(393)}… (299607 more characters in the log)`);
    expect(Math.max(...shown.map((t) => t.length))).toBeLessThan(500);
    // Clipped between the halves of an emoji: the whole emoji goes.
    const emoji = extractSnippet(log([`error: ${'x'.repeat(392)}🚀 and more`]), failed)!;
    expect(emoji.ranges[0]?.lines[0]?.[1]).toStartWith(`error: ${'x'.repeat(392)}… (`);
    const whole = extractSnippet(log([long]), { ...failed, fullLogOnFailure: true })!;
    expect(whole.ranges[0]?.lines[0]?.[1]).toBe(long);
  });

  test('an all-ignored log never prints an empty frame', () => {
    const path = log(['error: a', 'error: b']);
    expect(extractSnippet(path, { ...failed, logIgnore: [/error/] })).toBeNull();
    expect(extractSnippet(log(['']), failed)).toMatchObject({ ranges: [{ start: 1, end: 1 }] });
  });

  test('plain rendering uses --- lines a-b --- headers', () => {
    const s = extractSnippet(log(numbered(20, { 5: 'error one', 15: 'error two' })), ok)!;
    expect(plainSnippet(s).map((l) => Bun.stripANSI(l))).toEqual([
      '    --- lines 3-7 ---', '    line 3', '    line 4', '    error one', '    line 6', '    line 7',
      '    --- lines 13-17 ---', '    line 13', '    line 14', '    error two', '    line 16', '    line 17',
    ]);
  });

  test("a log's escape sequences and control characters never reach the terminal; a progress line shows its last state", () => {
    const s = extractSnippet(log(['error: \x1b[31mred\x1b[0m text', 'warning: \x1b[2J\x1b[Hcleared \x1b]0;title\x07 bell\x07 end', 'error: 10%\r50%\rdone', 'tab\there']), { ...failed })!;
    const plain = plainSnippet(s);
    expect(plain.slice(1)).toEqual(['    error: red text', '    warning: cleared  bell end', '    done', '    tab\there']);
    const framed = framedSnippet('p', '/logs/p.log', s, 60).map((l) => Bun.stripANSI(l));
    expect(framed.slice(2, 6).map((l) => l.slice(2).trimEnd().replace(/ *│$/, ''))).toEqual(['error: red text', 'warning: cleared  bell end', 'done', 'tab  here']);
    expect([...plain, ...framedSnippet('p', '/logs/p.log', s, 60)].join('\n')).not.toMatch(/\x1b\[(?:2J|H)|\x1b\]|\x07|\r/);
  });

  test('a huge log is streamed, and a flood of matches is capped', () => {
    const lines = Array.from({ length: 100_000 }, (_, i) => (i % 10 === 0 ? `error ${i}` : `ok ${i}`));
    const s = extractSnippet(log(lines), failed)!;
    const shown = s.ranges.reduce((a, r) => a + r.lines.length, 0);
    expect(shown).toBeLessThanOrEqual(50);
    expect(s.omitted).toBeGreaterThan(9_000);
  });

  test('a success shows at most 2 ranges and 12 lines, then counts the matching lines left out', () => {
    // A green test run whose test names say "error": the original printed them all.
    const lines = Array.from({ length: 200 }, (_, i) => (i % 4 === 0 ? `✓ handles error case ${i}` : `✓ test ${i}`));
    const s = extractSnippet(log(lines), ok)!;
    expect(s.kind).toBe('warning');
    expect(s.ranges.length).toBeLessThanOrEqual(2);
    expect(s.ranges.reduce((a, r) => a + r.lines.length, 0)).toBeLessThanOrEqual(12);
    expect(s.omitted).toBeGreaterThan(40);
    expect(plainSnippet(s).at(-1)).toContain(`… ${s.omitted} more matching lines in the log`);
  });

  test("a failure's last lines right after its last keyword range join that range", () => {
    // An error's message, then its stack: one range under one header, not `1-3` and `4-8`.
    const s = extractSnippet(log(['Error: custom', ...Array.from({ length: 7 }, (_, i) => `    at frame ${i}`)]), failed)!;
    expect(s.ranges.map((r) => [r.start, r.end])).toEqual([[1, 8]]);
    expect(s.ranges[0]?.lines.map(([k]) => k)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    // A gap between them keeps two ranges.
    const apart = extractSnippet(log(numbered(30, { 2: 'error here' })), failed)!;
    expect(apart.ranges.map((r) => [r.start, r.end])).toEqual([[1, 4], [21, 30]]);
  });

  test('a failure shows at most 40 keyword lines and always the last 10 lines of its log', () => {
    const lines = [...Array.from({ length: 300 }, (_, i) => `error: assertion failed in test ${i}`), 'summary:', ...Array.from({ length: 8 }, (_, i) => `detail ${i}`), '46 tests failed'];
    const s = extractSnippet(log(lines), failed)!;
    const keyword = s.ranges.slice(0, -1).reduce((a, r) => a + r.lines.length, 0);
    expect(keyword).toBeLessThanOrEqual(40);
    const last = s.ranges.at(-1)!;
    expect(last.lines.map(([, t]) => t).at(-1)).toBe('46 tests failed');
    expect(last.lines).toHaveLength(10);
    expect(s.omitted).toBeGreaterThan(200);
  });
});

describe('the frame title', () => {
  const path = '/home/me/projects/app/.parproc/logs/deploy-production.log';
  test('whole when it fits; cut, the name stays and the path keeps its end', () => {
    expect(frameTitle('deploy', path, 200)).toBe(`deploy — ${path}`);
    const cut = frameTitle('deploy', path, 40);
    expect(cut).toBe('deploy — …roc/logs/deploy-production.log');
    expect(Bun.stringWidth(cut)).toBeLessThanOrEqual(40);
  });

  test('a name too long for the room keeps its start and more of its end; wide characters count two columns', () => {
    expect(frameTitle('a-very-long-proc-name-that-fills-the-border', path, 20)).toBe('a-very-…s-the-border');
    const wide = frameTitle('部署🚀', path, 24);
    expect(wide.startsWith('部署🚀 — …')).toBe(true);
    expect(Bun.stringWidth(wide)).toBeLessThanOrEqual(24);
  });
});
