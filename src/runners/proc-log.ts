/**
 * A proc's log file: output in arrival order (stdout and stderr interleaved), then the failure's
 * message or stack. The file costs nothing until used: it is created on the first flush with
 * output (a timer, off the scheduling path, or 64 KB of output) or when the proc fails, so a proc
 * that succeeds silently creates no file. Small logs cost one write at the end; large or
 * long-running ones are flushed as they grow, so a reader (the live display, `tail -f`) sees them.
 *
 * Logging never throws (SPEC 6's spirit: logs serve the run, never fail it): a file that cannot be
 * opened or written (a full disk, an unwritable `logDir`) is reported once through `onError`, and
 * output still reaches the events and the display.
 */
import type { OutputSink } from '../util/stdio.ts';
import { fs, fsErrorText } from '../util/fs.ts';
import { drainCaptures } from './capture-file.ts';
import { lineText } from './runner.ts';

const FLUSH_BYTES = 64 * 1024;
const FLUSH_MS = 250;

/** Logs not yet closed, for a synchronous flush on a forced exit (a second Ctrl+C). */
const open = new Set<ProcLog>();

/** Writes every open log's output to disk now, with what running commands wrote to their capture files (never throws). */
export function flushOpenLogs(): void {
  drainCaptures();
  for (const log of open) log.flush();
}

export class ProcLog implements OutputSink {
  readonly path: string;
  #chunks: string[] = [];
  #size = 0;
  #fd: number | null = null;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #closed = false;
  /** Set once the file failed: output is then kept for events only. */
  #broken = false;
  /** Characters written so far (a cheap "is there anything to look at" for displays). */
  written = 0;
  /** The output so far ends mid-line: a `line` starts a new one. */
  #midLine = false;
  #onOutput: ((stream: 'stdout' | 'stderr', text: string) => void) | null;
  #onError: (message: string) => void;

  /** Makes the log directory before the first file is created in it. */
  #prepare: () => void;

  constructor(
    path: string,
    onOutput: ((stream: 'stdout' | 'stderr', text: string) => void) | null,
    onError: (message: string) => void = () => {},
    prepare: () => void = () => {},
  ) {
    this.path = path;
    this.#onOutput = onOutput;
    this.#onError = onError;
    this.#prepare = prepare;
    open.add(this);
  }

  /** Whether something shows this log's output live (`proc-output` events); see `JobLog.live`. */
  get live(): boolean {
    return this.#onOutput !== null;
  }

  /** The log's directory, made if missing: a command's capture file is made there (capture-file.ts). */
  captureDir(): string | null {
    if (this.#broken) return null;
    try {
      this.#prepare();
    } catch {
      return null;
    }
    const slash = this.path.lastIndexOf('/');
    return slash > 0 ? this.path.slice(0, slash) : slash === 0 ? '/' : null;
  }

  /** Whether the file was created (the proc wrote something, or `touch` was called). */
  get created(): boolean {
    return this.#fd !== null || this.#createdAndClosed;
  }

  #createdAndClosed = false;

  /** Creates the file even if nothing was written (a failed proc always has its log). */
  touch(): void {
    if (this.created || this.#broken || this.#closed) return;
    this.#open();
  }

  #open(): void {
    try {
      this.#prepare();
      this.#fd = this.#openFile();
    } catch (err) {
      this.#broken = true;
      this.#chunks = [];
      this.#size = 0;
      this.#onError(`cannot write log ${this.path}: ${fsErrorText(err)}`);
    }
  }

  /** Opens the file; a log dir removed since it was made (`rm -rf .parproc` while watching) is made again. */
  #openFile(): number {
    try {
      return fs().openSync(this.path, 'w');
    } catch (err) {
      if ((err as { code?: string }).code !== 'ENOENT') throw err;
      fs().mkdirSync(this.path.slice(0, Math.max(this.path.lastIndexOf('/'), 1)), { recursive: true });
      return fs().openSync(this.path, 'w');
    }
  }

  /** Appends output; emits it as a `proc-output` event. Writes after `close` are dropped. */
  write(stream: 'stdout' | 'stderr', text: string): void {
    if (this.#closed || text.length === 0) return;
    this.written += text.length;
    this.#midLine = !text.endsWith('\n');
    this.#onOutput?.(stream, text);
    if (this.#broken) return;
    this.#chunks.push(text);
    this.#size += text.length;
    if (this.#size >= FLUSH_BYTES) this.flush();
    else if (this.#timer === null) {
      this.#timer = setTimeout(() => this.flush(), FLUSH_MS);
      this.#timer.unref?.();
    }
  }

  /** Writes one line (a trailing newline is added when missing), on a line of its own. */
  line(text: string, stream: 'stdout' | 'stderr' = 'stdout'): void {
    this.write(stream, lineText(text, this.#midLine));
  }

  /** Writes buffered output to the file; a failure is reported once and turns the file off. */
  flush(): void {
    if (this.#timer !== null) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
    if (this.#broken || this.#size === 0) return;
    if (this.#fd === null) this.#open();
    if (this.#fd === null) return;
    try {
      fs().writeSync(this.#fd, this.#chunks.join(''));
      this.#chunks = [];
      this.#size = 0;
    } catch (err) {
      this.#broken = true;
      this.#chunks = [];
      this.#size = 0;
      this.#onError(`cannot write log ${this.path}: ${fsErrorText(err)}`);
    }
  }

  /** Flushes and closes; no file exists afterwards if nothing was written (nor `touch`ed). */
  close(): void {
    if (this.#closed) return;
    this.flush();
    this.#closed = true;
    open.delete(this);
    if (this.#fd !== null) {
      this.#createdAndClosed = true;
      try {
        fs().closeSync(this.#fd);
      } catch {
        // a close error after a successful write loses nothing
      }
    }
    this.#fd = null;
  }
}
