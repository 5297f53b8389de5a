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
    for (const [, text] of r.lines) out.push(indent + text);
  }
  if (s.omitted > 0) out.push(indent + pc.dim(`… ${s.omitted} more matching lines in the log`));
  return out;
}

/** Splits `text` into pieces of at most `width` columns (by code points). */
export function wrap(text: string, width: number): string[] {
  const chars = [...text];
  if (width <= 0 || chars.length <= width) return [text];
  const out: string[] = [];
  for (let i = 0; i < chars.length; i += width) out.push(chars.slice(i, i + width).join(''));
  return out;
}

/**
 * A box around the snippet, `width` columns wide: red for failures, yellow for warnings, the
 * proc's name and the log's path in the top border, long lines wrapped inside.
 */
export function framedSnippet(title: string, s: Snippet, width: number): string[] {
  const paint = s.kind === 'error' ? pc.red : pc.yellow;
  const w = Math.max(20, width);
  const inner = w - 4;
  // A title longer than the border (a deep log path on a narrow terminal) keeps its end.
  const room = w - 6;
  const chars = [...title];
  const fitted = chars.length <= room ? title : `…${chars.slice(chars.length - room + 1).join('')}`;
  const top = `╭─ ${fitted} `;
  const out = [paint(top + '─'.repeat(Math.max(0, w - [...top].length - 1)) + '╮')];
  const line = (text: string) => {
    for (const piece of wrap(text, inner)) out.push(`${paint('│')} ${piece}${' '.repeat(Math.max(0, inner - [...piece].length))} ${paint('│')}`);
  };
  for (const r of s.ranges) {
    line(header(r.start, r.end));
    for (const [, text] of r.lines) line(text.replace(/\t/g, '  ').replace(/[\u0000-\u0008\u000b-\u001f\u007f]|\u001b\[[0-9;?]*[A-Za-z]/g, ''));
  }
  if (s.omitted > 0) line(`… ${s.omitted} more matching lines in the log`);
  out.push(paint(`╰${'─'.repeat(w - 2)}╯`));
  return out;
}
