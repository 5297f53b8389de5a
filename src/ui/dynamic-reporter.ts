/**
 * The live display for terminals (SPEC 9): finished procs scroll above a live area that shows each
 * running proc with a spinner, its name as an OSC 8 link to its log, a progress bar when the task
 * DB knows how long it usually takes (capped at 99% while running) and its elapsed time. Failure
 * snippets come in a red frame, warnings in a yellow one, sized to the terminal.
 *
 * One throttled timer renders existing state at most 10 times a second and writes nothing when the
 * frame did not change; finished lines are queued and written with the next frame, so a burst of
 * thousands of completions costs one write. The cursor is hidden while live and shown again by
 * `dispose()`, at run end, around prompts, and on process exit.
 */
import pc from './colors.ts';
import type { ProcStateEvent, RunEvent } from '../events.ts';
import { onPrompt } from '../prompt.ts';
import { REMOTE_NOTE, formatDuration, rebuildLine, stateIcon } from './format.ts';
import { columnsOf, framedSnippet, keepEnds, plainSnippet } from './frame.ts';
import { extractSnippet } from './snippets.ts';
import type { ReporterContext } from './static-reporter.ts';
import { endLines, wantsSnippet } from './static-reporter.ts';
import { UnstartedLines } from './unstarted.ts';
import { Tally } from './summary.ts';

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const FRAME_MS = 100;
const HIDE_CURSOR = '\x1b[?25l';
const SHOW_CURSOR = '\x1b[?25h';

/** The terminal the display draws on. */
export interface Terminal {
  write(text: string): void;
  columns(): number;
  rows(): number;
  /** Subscribes to size changes; returns the unsubscribe function. */
  onResize(listener: () => void): () => void;
}

/**
 * `text` as a terminal hyperlink to a file (OSC 8). The path as a file URL: a `#` or `?` in it
 * (a project in `c#/`) is part of the path, not a fragment or a query.
 */
export function fileLink(text: string, path: string | null): string {
  if (path === null) return text;
  return `\x1b]8;;${Bun.pathToFileURL(path).href}\x1b\\${text}\x1b]8;;\x1b\\`;
}

/** `█████░░░░░  52%`: elapsed against expected, capped at 99% while running. */
export function progressBar(elapsedMs: number, expectedMs: number, width = 16): string {
  const pct = Math.min(99, Math.floor((elapsedMs / Math.max(1, expectedMs)) * 100));
  const filled = Math.round((pct / 100) * width);
  return `${pc.cyan('█'.repeat(filled))}${pc.dim('░'.repeat(width - filled))} ${String(pct).padStart(2)}%`;
}

interface Running {
  startedAt: number;
  expectedMs: number | null;
  logFile: string | null;
}

export class DynamicReporter {
  #term: Terminal;
  #ctx: ReporterContext;
  #running = new Map<string, Running>();
  #queued: string[] = [];
  #liveLines = 0;
  #lastFrame = '';
  #timer: ReturnType<typeof setInterval> | null = null;
  #paused = false;
  #cursorHidden = false;
  #wanted = 0;
  #done = 0;
  #tally = new Tally();
  #unstarted = new UnstartedLines();
  #unsubscribe: (() => void)[] = [];
  #restoreOnExit = () => {
    if (this.#cursorHidden) this.#term.write(SHOW_CURSOR);
  };

  constructor(term: Terminal, ctx: ReporterContext) {
    this.#term = term;
    this.#ctx = ctx;
    this.#unsubscribe.push(
      term.onResize(() => {
        this.#lastFrame = '';
        this.#render();
      }),
      onPrompt((asking) => this.#pause(asking)),
    );
    process.on('exit', this.#restoreOnExit);
  }

  onEvent = (e: RunEvent): void => {
    switch (e.type) {
      case 'run-start':
        this.#tally.reset();
        this.#unstarted.reset();
        this.#wanted = 0;
        this.#done = 0;
        this.#start();
        return;
      case 'proc-state':
        this.#procState(e);
        return;
      case 'proc-output':
        return; // logs are read from files when needed, never streamed to the terminal
      case 'run-end': {
        const rest = this.#unstarted.rest();
        if (rest !== null) this.#queued.push(rest);
        this.#queued.push(this.#tally.line(e.ok, e.durationMs, e.criticalPath));
        this.#stop();
        return;
      }
      case 'warning':
        this.#queued.push(pc.yellow(`⚠ ${e.message}`));
        return;
      case 'watch-ready':
        this.#queued.push(pc.dim('Watching for changes…'));
        this.#flushNow();
        return;
      case 'watch-rebuild':
        this.#queued.push(rebuildLine(e.changed, e.procs));
        return;
      default:
        return unreachableEvent(e);
    }
  };

  #procState(e: ProcStateEvent): void {
    if (e.state === 'wanted') {
      this.#wanted++;
      return;
    }
    if (e.state === 'running') {
      this.#running.set(e.name, { startedAt: e.at, expectedMs: e.expectedMs, logFile: e.logFile });
      return;
    }
    if (e.state === 'idle') {
      this.#running.delete(e.name); // stopped to run again (watch mode)
      return;
    }
    this.#running.delete(e.name);
    this.#done++;
    this.#tally.add(e);
    if (!this.#unstarted.show(e)) return;
    const width = this.#term.columns();
    if (e.error === null && !e.outputBytes) {
      // The common case, kept cheap: thousands of these can end between two frames.
      const dur = e.durationMs === null ? '' : ` ${pc.dim(formatDuration(e.durationMs))}`;
      const remote = e.cache === 'remote' ? ` ${pc.dim(REMOTE_NOTE)}` : '';
      this.#queued.push(`${stateIcon(e.state, null)} ${fileLink(e.name, e.logFile)}${dur}${remote}`);
      return;
    }
    // Its snippet is framed below, not printed plain as well.
    const [first = '', ...detail] = endLines(e, this.#ctx, false);
    this.#queued.push(fileLinkName(first, e.name, e.logFile), ...detail);
    if (wantsSnippet(e, this.#ctx) && e.logFile !== null) {
      const snippet = extractSnippet(e.logFile, {
        state: e.state,
        error: e.error,
        logIgnore: this.#ctx.logIgnore(e.name),
        fullLogOnFailure: this.#ctx.options().fullLogOnFailure,
        endLine: e.moreInfo,
      });
      if (snippet) this.#queued.push(...(width >= 30 ? framedSnippet(e.name, e.logFile, snippet, width) : plainSnippet(snippet)));
    }
  }

  #start(): void {
    if (this.#timer !== null) return;
    if (!this.#cursorHidden) {
      this.#term.write(HIDE_CURSOR);
      this.#cursorHidden = true;
    }
    this.#timer = setInterval(() => this.#render(), FRAME_MS);
    this.#timer.unref?.();
  }

  #stop(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
    this.#running.clear();
    this.#flushNow();
    if (this.#cursorHidden) {
      this.#term.write(SHOW_CURSOR);
      this.#cursorHidden = false;
    }
  }

  #pause(asking: boolean): void {
    if (asking) {
      this.#flushNow(false);
      this.#paused = true;
      if (this.#cursorHidden) this.#term.write(SHOW_CURSOR);
    } else {
      this.#paused = false;
      if (this.#cursorHidden) this.#term.write(HIDE_CURSOR);
      this.#lastFrame = '';
      this.#render();
    }
  }

  /** Writes queued lines now, with (or without) the live area under them. */
  /**
   * Redraws in place: back to the top of the live area, then every line is written over the old
   * one and cleared to its end (`ESC[K`), and the old area's leftover lines are blanked the same
   * way. Never `ESC[J`: tmux (and others) push a screen cleared from its top into the scrollback,
   * so a live area at the top of a pane would fill the history with frames.
   */
  #flushNow(withLive = true): void {
    const old = this.#liveLines;
    this.#liveLines = 0;
    const queued = this.#queued.length ? `${this.#queued.join('\n')}\n` : '';
    this.#queued = [];
    const live = withLive ? this.#frame() : '';
    if (old === 0 && queued + live === '') return;
    const body = queued + live;
    let out = old > 0 ? `\x1b[${old}A\r` : '';
    out += body.replace(/\n/g, '\x1b[K\n');
    const printed = countLines(body);
    if (printed < old) {
      // Blank what is left of the old area, then come back up to where the new content ends.
      const extra = old - printed;
      out += `${'\x1b[2K\x1b[B'.repeat(extra - 1)}\x1b[2K${extra > 1 ? `\x1b[${extra - 1}A` : ''}\r`;
    }
    this.#liveLines = withLive ? countLines(live) : 0;
    this.#lastFrame = live;
    this.#term.write(out);
  }

  #render(): void {
    if (this.#paused) return;
    const frame = this.#frame();
    if (this.#queued.length === 0 && frame === this.#lastFrame) return;
    this.#flushNow();
  }


  /** The live area: one line per running proc (as many as fit), then a status line. */
  #frame(): string {
    if (this.#running.size === 0 || this.#timer === null) return '';
    const width = this.#term.columns();
    const room = Math.max(1, this.#term.rows() - 2);
    const now = Date.now();
    const spin = pc.cyan(SPINNER[Math.floor(now / FRAME_MS) % SPINNER.length] as string);
    const lines: string[] = [];
    const entries = [...this.#running];
    const shown = entries.length > room ? entries.slice(0, room - 1) : entries;
    for (const [name, r] of shown) {
      const elapsed = now - r.startedAt;
      const right = `${r.expectedMs ? `${progressBar(elapsed, r.expectedMs)} ` : ''}${pc.dim(formatDuration(elapsed))}`;
      const rightWidth = columnsOf(right);
      // By columns: a wide character (emoji, CJK) in a name takes two, and a line one column too
      // wide wraps, which throws off the redraw of the whole area.
      const label = keepEnds(name, Math.max(8, width - rightWidth - 4));
      const pad = ' '.repeat(Math.max(1, width - 3 - columnsOf(label) - rightWidth));
      lines.push(`${spin} ${fileLink(label, r.logFile)}${pad}${right}`);
    }
    if (entries.length > shown.length) lines.push(pc.dim(`  +${entries.length - shown.length} more running`));
    lines.push(pc.dim(`  ${this.#done}/${this.#wanted} done · ${this.#running.size} running`));
    return `${lines.join('\n')}\n`;
  }

  /** Restores the terminal: clears the live area, shows the cursor, stops listening. */
  dispose(): void {
    this.#stop();
    for (const u of this.#unsubscribe) u();
    this.#unsubscribe = [];
    process.off('exit', this.#restoreOnExit);
  }
}

function unreachableEvent(e: never): never {
  throw new Error(`Internal error: unexpected event ${JSON.stringify(e)}`);
}

/** Makes the proc's name in its end line a link to its log. */
function fileLinkName(line: string, name: string, logFile: string | null): string {
  const at = line.indexOf(` ${name}`);
  if (at < 0) return line;
  return `${line.slice(0, at + 1)}${fileLink(name, logFile)}${line.slice(at + 1 + name.length)}`;
}

function countLines(s: string): number {
  if (s === '') return 0;
  return s.split('\n').length - 1;
}

/** The process's stdout or stderr as a `Terminal`. */
export function processTerminal(stream: NodeJS.WriteStream, write: (text: string) => void): Terminal {
  return {
    write,
    columns: () => stream.columns || 80,
    rows: () => stream.rows || 24,
    onResize: (listener) => {
      stream.on('resize', listener);
      return () => stream.off('resize', listener);
    },
  };
}

