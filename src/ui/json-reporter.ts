/**
 * `--json`: one RunEvent per line (NDJSON), then a summary object with every proc's state, error
 * and duration. Consumes events only.
 */
import type { RunEvent } from '../events.ts';
import type { ProcError, ProcState } from '../types.ts';
import { bufferedWriter } from './line-buffer.ts';

/** The last line of `--json` output. */
export interface JsonSummary {
  type: 'summary';
  ok: boolean;
  durationMs: number;
  /** The chain that set the wall time of the last run (see `RunEndEvent.criticalPath`). */
  criticalPath: { name: string; durationMs: number }[];
  /**
   * Each proc: its end state, error, duration, and `output` (its result; `null` if none);
   * `cache: 'remote'` only on procs restored from the remote cache.
   */
  procs: { name: string; state: ProcState; error: ProcError; moreInfo: string | null; durationMs: number | null; cache?: 'remote'; output: unknown }[];
}

export class JsonReporter {
  #write: (line: string) => void;
  #procs = new Map<string, JsonSummary['procs'][number]>();
  #startedAt: number | null = null;
  #ok = true;
  #criticalPath: { name: string; durationMs: number }[] = [];

  constructor(write: (line: string) => void) {
    this.#write = bufferedWriter(write);
  }

  onEvent = (e: RunEvent): void => {
    this.#write(`${JSON.stringify(e)}\n`);
    if (e.type === 'run-start') this.#startedAt ??= e.at;
    else if (e.type === 'run-end') {
      this.#ok &&= e.ok;
      this.#criticalPath = e.criticalPath;
    }
    else if (e.type === 'proc-state') {
      this.#procs.set(e.name, { name: e.name, state: e.state, error: e.error, moreInfo: e.moreInfo, durationMs: e.durationMs, ...(e.cache === 'remote' ? { cache: 'remote' as const } : {}), output: null });
    }
  };

  /**
   * Writes the summary line; `ok` is the caller's verdict (it knows about interrupts), `outputs`
   * the procs' results (`results()`).
   */
  summary(ok: boolean, outputs: Record<string, unknown> = {}): void {
    const s: JsonSummary = {
      type: 'summary',
      ok: ok && this.#ok,
      durationMs: this.#startedAt === null ? 0 : Date.now() - this.#startedAt,
      criticalPath: this.#criticalPath,
      procs: [...this.#procs.values()].map((p) => ({ ...p, output: outputs[p.name] ?? null })),
    };
    this.#write(`${JSON.stringify(s)}\n`);
  }
}
