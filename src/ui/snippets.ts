/**
 * Log snippets (SPEC 9): the lines of a finished proc's log worth showing. Lines with the whole
 * words exception, error, warning, notice, deprecated or deprecation (any case), with 2 lines of
 * context, overlapping or adjacent ranges merged; a failure without such lines shows its last 16
 * lines; `fullLogOnFailure` shows a failure's whole log. `logIgnore` rules drop lines first
 * (`ignoreLogIfSucceeded` ones only for success states). Skipped and up-to-date procs show none.
 * The file is streamed, so a 100,000-line log costs one pass and little memory.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import type { LogIgnoreRule, ProcError, ProcState } from '../types.ts';

const KEYWORDS = /\b(?:exception|error|warning|notice|deprecated|deprecation)\b/i;
const CONTEXT = 2;
/** A failure with no keyword line shows its last lines (the original's rule). */
const TAIL = 16;
/**
 * Caps beyond the original (whose rule printed 169 lines for a green run whose test names say
 * "error", and ~200 repeated lines for a red one without its final totals): a success shows at
 * most 2 keyword ranges of 12 lines in all; a failure at most 40 keyword lines, and always its
 * last 10 lines, where test runners print their totals. Matching lines left out are counted.
 */
const SUCCESS_RANGES = 2;
const SUCCESS_LINES = 12;
const FAILURE_LINES = 40;
const FAILURE_TAIL = 10;

/** Shown log lines: `[lineNumber, text]`, 1-based; ignored lines leave gaps. */
export interface SnippetRange {
  start: number;
  end: number;
  lines: [number, string][];
}

export interface Snippet {
  /** `error` for failures (a red frame), `warning` for successes with keyword lines (yellow). */
  kind: 'error' | 'warning';
  ranges: SnippetRange[];
  /** Matching lines left out past the size limit. */
  omitted: number;
}

export interface SnippetInput {
  state: ProcState;
  error: ProcError;
  logIgnore: readonly (string | RegExp | LogIgnoreRule)[];
  fullLogOnFailure: boolean;
  /**
   * What the proc's end line already says (its `moreInfo`): a failed log whose one line repeats it
   * (parproc's own "Timed out: …", "Command failed with exit code 3: …") gives no snippet.
   */
  endLine?: string | null;
}

const SUCCESS: ReadonlySet<ProcState> = new Set(['succeeded', 'skipped', 'up-to-date']);

/** The rules in force for an end state, as RegExps. */
function ignoreRegexes(rules: SnippetInput['logIgnore'], succeeded: boolean): RegExp[] {
  const out: RegExp[] = [];
  for (const r of rules) {
    const rule = typeof r === 'string' || r instanceof RegExp ? { when: 'always' as const, pattern: r } : r;
    if (rule.when === 'succeeded' && !succeeded) continue;
    try {
      out.push(typeof rule.pattern === 'string' ? new RegExp(rule.pattern) : rule.pattern);
    } catch {
      // checked where it was defined; a display never throws over a rule
    }
  }
  return out;
}

/**
 * The longest line a snippet shows, in characters. A minified bundle's error line can be
 * hundreds of KB: printed whole, or wrapped in a frame, it flooded the terminal (a 300 KB line
 * made a frame of 3,951 rows). The log keeps it whole.
 */
const MAX_LINE = 400;

function clipLine(text: string): string {
  if (text.length <= MAX_LINE) return text;
  // Not between the two halves of a character outside the BMP.
  const at = (text.charCodeAt(MAX_LINE - 1) & 0xfc00) === 0xd800 ? MAX_LINE - 1 : MAX_LINE;
  return `${text.slice(0, at)}… (${text.length - at} more characters in the log)`;
}

/** Whether `re` matches the line; a /g or /y pattern from the start each time (it keeps its place between tests). */
function ignores(re: RegExp, line: string): boolean {
  re.lastIndex = 0;
  return re.test(line);
}

/** Calls `each(line, lineNumber)` for every line of the file, reading it in chunks. */
export function forEachLine(path: string, each: (line: string, n: number) => void): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return false;
  }
  try {
    const buf = Buffer.allocUnsafe(64 * 1024);
    const decoder = new TextDecoder();
    let rest = '';
    let n = 0;
    for (;;) {
      const got = readSync(fd, buf, 0, buf.length, null);
      if (got === 0) break;
      const text = rest + decoder.decode(buf.subarray(0, got), { stream: true });
      const parts = text.split('\n');
      rest = parts.pop() ?? '';
      for (const line of parts) each(line.replace(/\r$/, ''), ++n);
    }
    rest += decoder.decode();
    if (rest !== '') each(rest.replace(/\r$/, ''), ++n);
    return true;
  } finally {
    closeSync(fd);
  }
}

/** The snippet of a finished proc's log, or `null` when there is nothing to show. */
export function extractSnippet(path: string, input: SnippetInput): Snippet | null {
  if (input.state !== 'succeeded' && input.state !== 'failed') return null;
  const failed = input.state === 'failed';
  const ignore = ignoreRegexes(input.logIgnore, SUCCESS.has(input.state));
  const wantWhole = failed && input.fullLogOnFailure;
  const ranges: SnippetRange[] = [];
  const tail: [number, string][] = [];
  const whole: [number, string][] = [];
  const before: [number, string][] = [];
  let current: SnippetRange | null = null;
  let after = 0;
  let shown = 0;
  let omitted = 0;

  const add = (r: SnippetRange, l: [number, string]) => {
    r.lines.push(l);
    r.end = l[0];
    shown++;
  };
  const maxLines = failed ? FAILURE_LINES : SUCCESS_LINES;
  const maxRanges = failed ? Infinity : SUCCESS_RANGES;
  const ok = forEachLine(path, (raw, n) => {
    // A tool's colours (a proc's env may ask for them) would hide its `error` from the keywords.
    const text = raw.includes('\x1b') ? Bun.stripANSI(raw) : raw;
    if (ignore.length > 0 && ignore.some((re) => ignores(re, text))) return;
    // `--full-log` asked for the whole log: its lines are not clipped.
    const line: [number, string] = [n, wantWhole ? text : clipLine(text)];
    if (wantWhole) {
      whole.push(line);
      return;
    }
    if (failed) {
      tail.push(line);
      if (tail.length > TAIL) tail.shift();
    }
    if (KEYWORDS.test(text)) {
      const last = current?.end ?? 0;
      const pre = before.filter(([bn]) => bn > last);
      const first = pre[0]?.[0] ?? n;
      const opensRange = current === null || first > last + 1;
      if (shown + pre.length + 1 > maxLines || (opensRange && ranges.length >= maxRanges)) {
        omitted++;
        after = 0;
      } else {
        if (opensRange) {
          current = { start: first, end: first, lines: [] };
          ranges.push(current);
        }
        for (const l of pre) add(current as SnippetRange, l);
        add(current as SnippetRange, line);
        after = CONTEXT;
      }
    } else if (after > 0 && current !== null && shown < maxLines) {
      add(current, line);
      after--;
    }
    before.push(line);
    if (before.length > CONTEXT) before.shift();
  });
  if (!ok) return null;
  if (wantWhole) return whole.length === 0 ? null : { kind: 'error', ranges: [asRange(whole)], omitted: 0 };
  if (ranges.length > 0) {
    if (failed && ranges.length === 1 && repeats((ranges[0] as SnippetRange).lines, input.endLine) && tail.length === 1) return null;
    if (failed) {
      // Always the end of a failed log (a runner's "46 tests failed"), after the keyword ranges.
      const last = ranges.at(-1) as SnippetRange;
      const end = tail.slice(-FAILURE_TAIL).filter(([n]) => n > last.end);
      // Right after the last range (an error's stack under its message): one range, one header.
      if (end.length > 0 && (end[0] as [number, string])[0] === last.end + 1) for (const l of end) add(last, l);
      else if (end.length > 0) ranges.push(asRange(end));
    }
    return { kind: failed ? 'error' : 'warning', ranges, omitted };
  }
  if (failed && tail.length > 0) return repeats(tail, input.endLine) ? null : { kind: 'error', ranges: [asRange(tail)], omitted: 0 };
  return null;
}

/** Whether `lines` are one line that says what the end line says. */
function repeats(lines: readonly [number, string][], endLine: string | null | undefined): boolean {
  return lines.length === 1 && typeof endLine === 'string' && endLine !== '' && (lines[0] as [number, string])[1].includes(endLine);
}

function asRange(lines: [number, string][]): SnippetRange {
  return { start: lines[0]?.[0] ?? 0, end: lines.at(-1)?.[0] ?? 0, lines };
}
