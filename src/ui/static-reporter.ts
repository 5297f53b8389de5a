/**
 * The plain reporter: one line when a proc starts and one when it ends, for pipes, CI and logs.
 * It consumes events and nothing more.
 */
import { readFileSync } from 'node:fs';
import pc from 'picocolors';
import type { RunEvent } from '../events.ts';
import { formatDuration, stateIcon } from './format.ts';
import { bufferedWriter } from './line-buffer.ts';

/** A failed proc's whole log, indented, under a header. */
function fullLog(path: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return pc.dim(`    (no log at ${path})`);
  }
  const lines = text.replace(/\n$/, '').split('\n');
  return [pc.dim(`    --- lines 1-${lines.length} of ${path} ---`), ...lines.map((l) => `    ${l}`)].join('\n');
}

type Formatters = { [K in RunEvent['type']]: (e: Extract<RunEvent, { type: K }>) => string | null };

export interface StaticReporterOptions {
  /** Where lines go. */
  write: (text: string) => void;
  /** The options in force (read at each event): `debug` echoes proc output, `fullLogOnFailure` prints failed logs. */
  options: () => { debug: boolean; fullLogOnFailure: boolean };
}

export class StaticReporter {
  #write: (text: string) => void;
  #formatters: Formatters;

  constructor(opts: StaticReporterOptions) {
    this.#write = bufferedWriter(opts.write);
    this.#formatters = {
      'run-start': () => null,
      warning: (e) => pc.yellow(`⚠ ${e.message}`),
      'proc-state': (e) => {
        if (e.state === 'running') return `${pc.cyan('▶')} ${e.name}`;
        if (e.state === 'wanted' || e.state === 'idle') return null;
        const dur = e.durationMs === null ? '' : ` ${pc.dim(formatDuration(e.durationMs))}`;
        const why = e.error === null ? '' : ` ${e.moreInfo ? `${e.error}: ${e.moreInfo}` : e.error}`;
        const line = `${stateIcon(e.state, e.error)} ${e.name}${dur}${e.state === 'failed' || e.state === 'failed-dep' ? pc.red(why) : pc.dim(why)}`;
        return e.state === 'failed' && opts.options().fullLogOnFailure ? `${line}\n${fullLog(e.logFile)}` : line;
      },
      'proc-output': (e) => (opts.options().debug ? `${pc.dim(`[${e.name}]`)} ${e.text.replace(/\n$/, '')}` : null),
      'run-end': (e) => `${e.ok ? pc.green('Done') : pc.red('Failed')} in ${formatDuration(e.durationMs)}`,
      'watch-ready': () => pc.dim('Watching for changes…'),
      'watch-rebuild': (e) => `${pc.cyan('↻')} ${e.changed.length} change(s): rebuilding ${e.procs.join(', ')}`,
    };
  }

  onEvent = (e: RunEvent): void => {
    const line = (this.#formatters[e.type] as (e: RunEvent) => string | null)(e);
    if (line !== null) this.#write(`${line}\n`);
  };
}
