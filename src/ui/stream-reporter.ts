/**
 * `--stream`: every line a proc prints appears as it comes, prefixed with the proc's name in a
 * colour of its own (as turbo and docker compose do) — for CI logs and for watching. Partial lines
 * wait for their newline, or for the proc's end (ahead of the display's end line, when this
 * reporter listens first).
 */
import pc from './colors.ts';
import type { RunEvent } from '../events.ts';
import { afterCarriageReturn } from './frame.ts';
import { bufferedWriter } from './line-buffer.ts';

const PALETTE = [pc.cyan, pc.magenta, pc.yellow, pc.green, pc.blue, pc.red];

export class StreamReporter {
  #write: (text: string) => void;
  #color: boolean;
  #partial = new Map<string, string>();
  #colors = new Map<string, (s: string) => string>();

  #label: ((name: string) => string) | null;

  /** `label` makes each line's prefix (the plain display's debug echo: `[name] `). */
  constructor(write: (text: string) => void, color: boolean, label: ((name: string) => string) | null = null) {
    // The display's buffer when it writes to the same stream: lines stay in event order.
    this.#write = bufferedWriter(write);
    this.#color = color;
    this.#label = label;
  }

  #prefix(name: string): string {
    if (this.#label !== null) return this.#label(name);
    if (!this.#color) return `${name} | `;
    let paint = this.#colors.get(name);
    if (!paint) {
      paint = PALETTE[this.#colors.size % PALETTE.length] as (s: string) => string;
      this.#colors.set(name, paint);
    }
    return `${paint(name)} ${pc.dim('|')} `;
  }

  onEvent = (e: RunEvent): void => {
    if (e.type === 'proc-output') {
      // stdout and stderr each keep their own partial line.
      const key = `${e.name}\0${e.stream}`;
      const text = (this.#partial.get(key) ?? '') + e.text;
      const end = text.lastIndexOf('\n');
      if (end < 0) {
        this.#partial.set(key, text);
        return;
      }
      this.#partial.set(key, text.slice(end + 1));
      const prefix = this.#prefix(e.name);
      // A progress counter (`\r40%`) shows its last state: a bare `\r` would write over the prefix.
      this.#write(text.slice(0, end).split('\n').map((l) => `${prefix}${afterCarriageReturn(l)}\n`).join(''));
    } else if (e.type === 'proc-state' && e.state !== 'running' && e.state !== 'wanted') {
      for (const stream of ['stdout', 'stderr']) {
        const key = `${e.name}\0${stream}`;
        const rest = this.#partial.get(key);
        if (rest) this.#write(`${this.#prefix(e.name)}${afterCarriageReturn(rest)}\n`);
        this.#partial.delete(key);
      }
    }
  };
}
