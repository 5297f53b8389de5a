/**
 * The seam between the scheduler and where a proc's code runs. The scheduler hands a `ProcJob` to
 * a `ProcRunner` and gets back an `Outcome` value; runners never touch scheduler state and never
 * write to the terminal.
 */
import type { ProcBody } from '../graph/proc-node.ts';
import type { ProcError, RunOptions } from '../types.ts';
import type { OutputSink } from '../util/stdio.ts';

/** Where a proc's output goes: the parent's `ProcLog`, or a worker/child's link to it. */
export interface JobLog extends OutputSink {
  /** Writes one line (a trailing newline is added when missing). */
  line(text: string, stream?: 'stdout' | 'stderr'): void;
  /**
   * `false` when nothing shows output live (no `proc-output` listener): a command proc's output
   * may then go straight to a capture file. Absent (a worker's or child's link): live.
   */
  readonly live?: boolean;
  /** The log's directory, made if missing (where a command's capture file goes); `null`: none. */
  captureDir?: () => string | null;
}

/**
 * The text `line(text)` writes: `text` with a trailing newline, and on a line of its own when the
 * log's output so far ends mid-line (`printf 'no newline'; exit 2` then the failure's message).
 */
export function lineText(text: string, midLine: boolean): string {
  const ended = text.endsWith('\n') ? text : `${text}\n`;
  return midLine ? `\n${ended}` : ended;
}

/**
 * A `JobLog` over `write` whose `line` starts a new line when its last write ended mid-line. (A
 * child process's own `process.stdout.write` goes past it: noting those would mean building
 * `process.stdout` in every child, 5–8 ms each.)
 */
export function lineLog(write: (stream: 'stdout' | 'stderr', text: string) => void): JobLog {
  const state = { midLine: false };
  return {
    write(stream, text) {
      if (text.length === 0) return;
      state.midLine = !text.endsWith('\n');
      write(stream, text);
    },
    line(text, stream = 'stdout') {
      this.write(stream, lineText(text, state.midLine));
    },
  };
}

/** What a proc's context may ask of the manager (async so it works from every mode). */
export interface ContextServices {
  /** Results of procs completed so far (a snapshot). */
  results(): Record<string, unknown>;
  create(nameOrPattern: string, procNameOrArgs?: string | Record<string, unknown>): Promise<string[]>;
  start(names: string[]): Promise<void>;
  run(name: string, opts?: RunOptions): Promise<string[]>;
  /** Waits for procs; the caller's parallel slot is lent out meanwhile. */
  wait(names: string[]): Promise<void>;
  /** Asks on the terminal; `signal` (the proc's) gives the question up. */
  prompt(message: string, opts: { password?: boolean }, signal: AbortSignal): Promise<string>;
}

/** One execution of one proc. */
export interface ProcJob {
  readonly name: string;
  /** The proto it was made from (its body is registered under that pattern), or `null`. */
  readonly proto: string | null;
  readonly body: ProcBody;
  readonly args: Record<string, unknown>;
  readonly params: Record<string, unknown>;
  readonly cwd: string | null;
  readonly env: Record<string, string> | null;
  /** Milliseconds, or `null`. */
  readonly timeoutMs: number | null;
  readonly log: JobLog;
  /** Aborted when the whole run is interrupted. */
  readonly runSignal: AbortSignal;
  readonly depsChanged: boolean;
  readonly changedDeps: string[];
  readonly inputFingerprint: Record<string, number> | null;
  readonly services: ContextServices;
  /** The proc has the terminal: no output capture, commands get stdin/stdout/stderr. */
  readonly interactive?: boolean;
  /** A warning of the run (./stray-errors.ts); absent in a worker or child: its log is stderr. */
  readonly warn?: (message: string) => void;
}

/** How a proc ended, as a value. */
export interface Outcome {
  state: 'succeeded' | 'failed' | 'skipped';
  error: ProcError;
  moreInfo: string | null;
  /** Plain data (`null` unless succeeded). */
  output: unknown;
  /**
   * Set when the proc ended (timeout, interrupt) while its code still runs in this process:
   * settles when the code does. Its locks stay held until then.
   */
  lingering?: Promise<unknown>;
}

export interface ProcRunner {
  run(job: ProcJob): Promise<Outcome>;
}
