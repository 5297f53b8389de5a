/**
 * `traceFile` / `--trace`: each run as Chrome trace-event JSON (opens in Perfetto and
 * chrome://tracing). One complete (`X`) event per proc with its state, error and moreInfo in
 * `args`; procs that ran get one row per concurrent slot, those that did not run a zero-length
 * event on a "not run" row. Written when the run ends.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fsErrorText } from '../util/fs.ts';
import { dirname } from '../util/path.ts';
import type { RunEvent } from '../events.ts';

interface TraceEvent {
  name: string;
  ph: 'X' | 'M';
  pid: number;
  tid: number;
  ts?: number;
  dur?: number;
  cat?: string;
  args?: Record<string, unknown>;
}

/** The track of the critical path (below the slots). */
const CRITICAL_TID = 1000;

export class TraceReporter {
  #path: () => string | null;
  #events: TraceEvent[] = [];
  #slots: (string | null)[] = [];
  #open = new Map<string, { slot: number; at: number }>();
  #onError: (message: string) => void;

  constructor(path: () => string | null, onError: (message: string) => void) {
    this.#path = path;
    this.#onError = onError;
  }

  onEvent = (e: RunEvent): void => {
    if (e.type === 'run-start') {
      this.#events = [];
      this.#slots = [];
      this.#open.clear();
    } else if (e.type === 'proc-state') {
      if (e.state === 'running') {
        let slot = this.#slots.indexOf(null);
        if (slot < 0) slot = this.#slots.push(null) - 1;
        this.#slots[slot] = e.name;
        this.#open.set(e.name, { slot, at: e.at });
      } else if (e.state !== 'wanted' && e.state !== 'idle') {
        const started = this.#open.get(e.name);
        if (started) {
          this.#open.delete(e.name);
          this.#slots[started.slot] = null;
        }
        this.#events.push({
          name: e.name,
          cat: 'proc',
          ph: 'X',
          pid: 1,
          tid: started ? started.slot + 1 : 0,
          ts: (started?.at ?? e.at) * 1000,
          dur: started ? (e.at - started.at) * 1000 : 0,
          args: { state: e.state, error: e.error, moreInfo: e.moreInfo, logFile: e.logFile },
        });
      }
    } else if (e.type === 'run-end') {
      // A track of its own marks the chain that set the wall time.
      const byName = new Map(this.#events.filter((x) => x.ph === 'X').map((x) => [x.name, x]));
      for (const step of e.criticalPath) {
        const x = byName.get(step.name);
        if (x) this.#events.push({ ...x, cat: 'critical-path', tid: CRITICAL_TID, args: { ...x.args, criticalPath: true } });
      }
      this.#write();
    }
  };

  #write(): void {
    const path = this.#path();
    if (path === null) return;
    const meta: TraceEvent[] = [
      { name: 'process_name', ph: 'M', pid: 1, tid: 0, args: { name: 'parproc' } },
      { name: 'thread_name', ph: 'M', pid: 1, tid: 0, args: { name: 'not run' } },
      { name: 'thread_name', ph: 'M', pid: 1, tid: CRITICAL_TID, args: { name: 'critical path' } },
      ...this.#slots.map((_, i): TraceEvent => ({ name: 'thread_name', ph: 'M', pid: 1, tid: i + 1, args: { name: `slot ${i + 1}` } })),
    ];
    try {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, JSON.stringify({ traceEvents: [...meta, ...this.#events], displayTimeUnit: 'ms' }));
    } catch (err) {
      this.#onError(`could not write the trace to ${path}: ${fsErrorText(err)}`);
    }
  }
}
