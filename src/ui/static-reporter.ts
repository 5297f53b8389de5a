/**
 * The plain reporter (pipes, CI, logs): a line when a proc starts and one when it ends — icon,
 * name, duration, error kind or message — then its log snippet under `--- lines a-b ---` headers,
 * and a summary line per run. It consumes events; snippets are read from the log files the events
 * name, and only when a proc wrote something.
 */
import pc from './colors.ts';
import type { RunEvent } from '../events.ts';
import type { LogIgnoreRule } from '../types.ts';
import { plainSnippet } from './frame.ts';
import { REMOTE_NOTE, formatDuration, rebuildLine, stateIcon } from './format.ts';
import { bufferedWriter } from './line-buffer.ts';
import { extractSnippet } from './snippets.ts';
import { StreamReporter } from './stream-reporter.ts';
import { Tally } from './summary.ts';
import { UnstartedLines } from './unstarted.ts';

type Formatters = { [K in RunEvent['type']]: (e: Extract<RunEvent, { type: K }>) => string | null };

/** What reporters may ask about the run beyond events: options and each proc's log rules. */
export interface ReporterContext {
  options: () => { debug: boolean; fullLogOnFailure: boolean; snippets: 'all' | 'failures' | 'none' };
  logIgnore: (name: string) => readonly (string | RegExp | LogIgnoreRule)[];
}

export interface StaticReporterOptions extends ReporterContext {
  /** Where lines go. */
  write: (text: string) => void;
  /** Keep ANSI colours (default true); `false` strips them (NO_COLOR, not a terminal). */
  color?: boolean;
}

/** The end line of a proc, plus indented detail lines (output paths, snippet). */
export function endLines(e: Extract<RunEvent, { type: 'proc-state' }>, ctx: ReporterContext, withSnippet = true): string[] {
  const dur = e.durationMs === null ? '' : ` ${pc.dim(formatDuration(e.durationMs))}`;
  const bad = e.state === 'failed' || e.state === 'failed-dep';
  let why = '';
  const detail: string[] = [];
  if (e.error === 'outputs-not-refreshed' && e.moreInfo) {
    why = ` ${e.error}`;
    for (const part of e.moreInfo.split('; ')) {
      const colon = part.indexOf(': ');
      detail.push(`    ${part.slice(0, colon)}:`);
      for (const path of part.slice(colon + 2).split(', ')) detail.push(`      ${path}`);
    }
  } else if (e.error !== null) {
    why = ` ${e.moreInfo ? `${e.error}: ${e.moreInfo}` : e.error}`;
  } else if (e.cache === 'remote') {
    why = ` ${REMOTE_NOTE}`;
  }
  const lines = [`${stateIcon(e.state, e.error)} ${e.name}${dur}${why === '' ? '' : bad ? pc.red(why) : pc.dim(why)}`, ...detail];
  if (withSnippet && wantsSnippet(e, ctx) && e.logFile !== null) {
    const snippet = extractSnippet(e.logFile, {
      state: e.state,
      error: e.error,
      logIgnore: ctx.logIgnore(e.name),
      fullLogOnFailure: ctx.options().fullLogOnFailure,
      endLine: e.moreInfo,
    });
    if (snippet) lines.push(...plainSnippet(snippet), `    ${pc.dim(`log: ${e.logFile}`)}`);
  }
  return lines;
}

/** Whether `e` (an end state) gets a snippet under the `snippets` option (`--snippets`). */
export function wantsSnippet(e: Extract<RunEvent, { type: 'proc-state' }>, ctx: ReporterContext): boolean {
  if (!e.outputBytes && e.state !== 'failed') return false;
  const which = ctx.options().snippets;
  return which === 'all' || (which === 'failures' && e.state === 'failed');
}

export class StaticReporter {
  #write: (text: string) => void;
  #formatters: Formatters;
  #tally = new Tally();
  #unstarted = new UnstartedLines();
  /** `debug`'s echo of proc output, a line at a time (made on first output). */
  #echo: StreamReporter | null = null;
  #opts: StaticReporterOptions;

  constructor(opts: StaticReporterOptions) {
    this.#opts = opts;
    this.#write = bufferedWriter(opts.write, opts.color === false);
    this.#formatters = {
      warning: (e) => pc.yellow(`⚠ ${e.message}`),
      'run-start': () => {
        this.#tally.reset();
        this.#unstarted.reset();
        return null;
      },
      'proc-state': (e) => {
        if (e.state === 'running') return `${pc.cyan('▶')} ${e.name}`;
        if (e.state === 'wanted' || e.state === 'idle') return null;
        this.#tally.add(e);
        return this.#unstarted.show(e) ? endLines(e, opts).join('\n') : null;
      },
      'proc-output': () => null,
      'run-end': (e) => [this.#unstarted.rest(), this.#tally.line(e.ok, e.durationMs, e.criticalPath)].filter((l) => l !== null).join('\n'),
      'watch-ready': () => pc.dim('Watching for changes…'),
      'watch-rebuild': (e) => rebuildLine(e.changed, e.procs),
    };
  }

  onEvent = (e: RunEvent): void => {
    // Output echoed in `debug` goes first: a proc's last partial line before its end line.
    if (e.type === 'proc-output' && this.#opts.options().debug) this.#echo ??= new StreamReporter(this.#opts.write, true, (name) => `${pc.dim(`[${name}]`)} `);
    if (this.#echo !== null && (e.type === 'proc-output' || e.type === 'proc-state')) this.#echo.onEvent(e);
    const line = (this.#formatters[e.type] as (e: RunEvent) => string | null)(e);
    if (line !== null) this.#write(`${line}\n`);
  };
}
