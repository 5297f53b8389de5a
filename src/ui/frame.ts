/** Rendering snippets: plain (static output) and framed to the terminal width (live display). */
import pc from './colors.ts';
import type { Snippet } from './snippets.ts';

const header = (start: number, end: number) => `--- lines ${start}-${end} ---`;

/** Plain lines: a `--- lines a-b ---` header per range, then the lines, all indented. */
export function plainSnippet(s: Snippet, indent = '    '): string[] {
  const paint = s.kind === 'error' ? pc.red : pc.yellow;
  const out: string[] = [];
  for (const r of s.ranges) {
    out.push(indent + paint(header(r.start, r.end)));
    for (const [, text] of r.lines) out.push(indent + printable(text));
  }
  if (s.omitted > 0) out.push(indent + pc.dim(`… ${s.omitted} more matching lines in the log`));
  return out;
}

/**
 * A log line as it is safe to print among the display's own lines: what a terminal shows of it
 * after its last carriage return (a progress counter's last state), without escape sequences
 * (colours, cursor moves, a cleared screen, a window title) or other control characters; tabs kept.
 */
export function printable(text: string): string {
  return Bun.stripANSI(afterCarriageReturn(text)).replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '');
}

/**
 * What a terminal shows of one line written over with carriage returns: its last state, the last
 * non-empty part (`\r20%\r40%` → `40%`; a CRLF line's `\r` changes nothing).
 */
export function afterCarriageReturn(line: string): string {
  if (!line.includes('\r')) return line;
  const parts = line.split('\r');
  for (let i = parts.length - 1; i >= 0; i--) if (parts[i] !== '') return parts[i] as string;
  return '';
}

/** The columns `s` takes on a terminal: a wide character (emoji, CJK) 2, an escape sequence 0. */
export const columnsOf = (s: string): number => Bun.stringWidth(s);

let segmenter: Intl.Segmenter | null = null;
/** `s` as the characters a terminal draws (grapheme clusters: an emoji with its joiners is one). */
function graphemes(s: string): string[] {
  // ASCII, the usual case, without the segmenter (its first use costs about 1.5 ms).
  if (/^[\x20-\x7e]*$/.test(s)) return s.split('');
  segmenter ??= new Intl.Segmenter(undefined, { granularity: 'grapheme' });
  return Array.from(segmenter.segment(s), (g) => g.segment);
}

/** `s` cut to at most `room` columns, keeping its end and starting with `…` when cut. */
export function keepEnd(s: string, room: number): string {
  if (columnsOf(s) <= room) return s;
  const gs = graphemes(s);
  let at = gs.length;
  let w = 1;
  while (at > 0 && w + columnsOf(gs[at - 1] as string) <= room) w += columnsOf(gs[--at] as string);
  return `…${gs.slice(at).join('')}`;
}

/**
 * `s` cut to at most `room` columns with `…` in the middle when cut, more of its end kept than of
 * its start: names that share a long start (`test::integration::db`, `…::api`) stay told apart.
 */
export function keepEnds(s: string, room: number): string {
  if (columnsOf(s) <= room) return s;
  const gs = graphemes(s);
  const headRoom = Math.floor((room - 1) * 0.4);
  let head = 0;
  let w = 0;
  while (head < gs.length && w + columnsOf(gs[head] as string) <= headRoom) w += columnsOf(gs[head++] as string);
  let tail = gs.length;
  w += 1;
  while (tail > head && w + columnsOf(gs[tail - 1] as string) <= room) w += columnsOf(gs[--tail] as string);
  return `${gs.slice(0, head).join('')}…${gs.slice(tail).join('')}`;
}

/** Splits `text` into pieces of at most `width` columns (a wide character never split). */
export function wrap(text: string, width: number): string[] {
  if (width <= 0 || columnsOf(text) <= width) return [text];
  const out: string[] = [];
  let piece = '';
  let w = 0;
  for (const g of graphemes(text)) {
    const gw = columnsOf(g);
    if (w + gw > width && piece !== '') {
      out.push(piece);
      piece = '';
      w = 0;
    }
    piece += g;
    w += gw;
  }
  if (piece !== '') out.push(piece);
  return out;
}

/**
 * `name — logFile` in at most `room` columns. Cut, the proc's name stays whole and the path keeps
 * its end (`…/logs/build.log`); a name too long for the room keeps its start.
 */
export function frameTitle(name: string, logFile: string, room: number): string {
  const whole = `${name} — ${logFile}`;
  if (columnsOf(whole) <= room) return whole;
  const left = room - columnsOf(name) - 3;
  return left >= 8 ? `${name} — ${keepEnd(logFile, left)}` : keepEnds(name, room);
}

/**
 * A box around the snippet, `width` columns wide: red for failures, yellow for warnings, the
 * proc's name and the log's path in the top border, long lines wrapped inside.
 */
export function framedSnippet(name: string, logFile: string, s: Snippet, width: number): string[] {
  const paint = s.kind === 'error' ? pc.red : pc.yellow;
  const w = Math.max(20, width);
  const inner = w - 4;
  const top = `╭─ ${frameTitle(name, logFile, w - 6)} `;
  const out = [paint(top + '─'.repeat(Math.max(0, w - columnsOf(top) - 1)) + '╮')];
  const line = (text: string) => {
    for (const piece of wrap(text, inner)) out.push(`${paint('│')} ${piece}${' '.repeat(Math.max(0, inner - columnsOf(piece)))} ${paint('│')}`);
  };
  for (const r of s.ranges) {
    line(header(r.start, r.end));
    for (const [, text] of r.lines) line(printable(text).replace(/\t/g, '  '));
  }
  if (s.omitted > 0) line(`… ${s.omitted} more matching lines in the log`);
  out.push(paint(`╰${'─'.repeat(w - 2)}╯`));
  return out;
}
