/**
 * A proc's log file: output in arrival order (stdout and stderr interleaved), then the failure's
 * message or stack. Buffered: small logs cost one write at the end; large or long-running ones are
 * flushed as they grow, so a reader (the live display, `tail -f`) sees them.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import type { OutputSink } from '../util/stdio.ts';

const FLUSH_BYTES = 64 * 1024;
const FLUSH_MS = 250;

export class ProcLog implements OutputSink {
  readonly path: string;
  #chunks: string[] = [];
  #size = 0;
  #fd: number | null = null;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #closed = false;
  /** Characters written so far (a cheap "is there anything to look at" for displays). */
  written = 0;
  #onOutput: ((stream: 'stdout' | 'stderr', text: string) => void) | null;

  constructor(path: string, onOutput: ((stream: 'stdout' | 'stderr', text: string) => void) | null) {
    this.path = path;
    this.#onOutput = onOutput;
  }

  /** Appends output; emits it as a `proc-output` event. Writes after `close` are dropped. */
  write(stream: 'stdout' | 'stderr', text: string): void {
    if (this.#closed || text.length === 0) return;
    this.#chunks.push(text);
    this.#size += text.length;
    this.written += text.length;
    this.#onOutput?.(stream, text);
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

  /** Writes buffered output to the file. */
  flush(): void {
    if (this.#timer !== null) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
    if (this.#fd === null) this.#fd = openSync(this.path, 'w');
    if (this.#size > 0) {
      writeSync(this.#fd, this.#chunks.join(''));
      this.#chunks = [];
      this.#size = 0;
    }
  }

  /** Flushes and closes; the file exists afterwards even when the proc wrote nothing. */
  close(): void {
    if (this.#closed) return;
    this.flush();
    this.#closed = true;
    if (this.#fd !== null) closeSync(this.#fd);
    this.#fd = null;
  }
}
