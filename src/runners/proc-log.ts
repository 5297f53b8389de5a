/**
 * A proc's log file: output in arrival order (stdout and stderr interleaved), then the failure's
 * message or stack. Buffered: small logs cost one write at the end; large or long-running ones are
 * flushed as they grow, so a reader (the live display, `tail -f`) sees them.
 *
 * Logging never throws (SPEC 6's spirit: logs serve the run, never fail it): a file that cannot be
 * opened or written (a full disk, an unwritable `logDir`) is reported once through `onError`, and
 * output still reaches the events and the display.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import type { OutputSink } from '../util/stdio.ts';

const FLUSH_BYTES = 64 * 1024;
const FLUSH_MS = 250;

/** Logs not yet closed, for a synchronous flush on a forced exit (a second Ctrl+C). */
const open = new Set<ProcLog>();

/** Writes every open log's buffered output to disk now (never throws). */
export function flushOpenLogs(): void {
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
  #onOutput: ((stream: 'stdout' | 'stderr', text: string) => void) | null;
  #onError: (message: string) => void;

  constructor(
    path: string,
    onOutput: ((stream: 'stdout' | 'stderr', text: string) => void) | null,
    onError: (message: string) => void = () => {},
  ) {
    this.path = path;
    this.#onOutput = onOutput;
    this.#onError = onError;
    open.add(this);
  }

  /** Appends output; emits it as a `proc-output` event. Writes after `close` are dropped. */
  write(stream: 'stdout' | 'stderr', text: string): void {
    if (this.#closed || text.length === 0) return;
    this.written += text.length;
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

  /** Writes one line (a trailing newline is added when missing). */
  line(text: string, stream: 'stdout' | 'stderr' = 'stdout'): void {
    this.write(stream, text.endsWith('\n') ? text : `${text}\n`);
  }

  /** Writes buffered output to the file; a failure is reported once and turns the file off. */
  flush(): void {
    if (this.#timer !== null) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
    if (this.#broken) return;
    try {
      if (this.#fd === null) this.#fd = openSync(this.path, 'w');
      if (this.#size > 0) {
        writeSync(this.#fd, this.#chunks.join(''));
        this.#chunks = [];
        this.#size = 0;
      }
    } catch (err) {
      this.#broken = true;
      this.#chunks = [];
      this.#size = 0;
      this.#onError(`cannot write log ${this.path}: ${(err as Error).message}`);
    }
  }

  /** Flushes and closes; the file exists afterwards even when the proc wrote nothing. */
  close(): void {
    if (this.#closed) return;
    this.flush();
    this.#closed = true;
    open.delete(this);
    if (this.#fd !== null) {
      try {
        closeSync(this.#fd);
      } catch {
        // a close error after a successful write loses nothing
      }
    }
    this.#fd = null;
  }
}
