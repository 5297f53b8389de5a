/**
 * The typed event stream from the core to reporters: a closed union of plain JSON objects.
 * Adding a member makes every reporter's formatter table fail to compile until it handles it.
 */
import type { ProcError, ProcState } from './types.ts';

/** A run began: the first proc became wanted after the manager was idle. */
export interface RunStartEvent {
  type: 'run-start';
  /** Epoch milliseconds. */
  at: number;
}

/** A proc changed state. */
export interface ProcStateEvent {
  type: 'proc-state';
  at: number;
  /** The proc's name. */
  name: string;
  /** Its new state. */
  state: ProcState;
  /** Why it ended as it did, once it has ended. */
  error: ProcError;
  /** A human-readable explanation (failure message, skip reason, missing paths). */
  moreInfo: string | null;
  /**
   * The proc's log file (absolute path): where it goes while `running`; on an end state `null`
   * when the proc did not run, or ran silently and succeeded (no file is created then).
   */
  logFile: string | null;
  /** Milliseconds it ran, on end states of procs that ran; otherwise `null`. */
  durationMs: number | null;
  /** On `running`: how long it usually takes (task DB history, live display only), else `null`. */
  expectedMs: number | null;
  /** On end states of procs that ran: bytes written to its log (0: no snippet to look for). */
  outputBytes: number | null;
  /**
   * On `up-to-date`: where its result came from — `'local'` (the task DB) or `'remote'` (restored
   * from the remote cache: outputs written, log replayed); otherwise `null`.
   */
  cache: 'local' | 'remote' | null;
}

/** A proc wrote output (its own `console.*`/`ctx.log`, or a command it ran). */
export interface ProcOutputEvent {
  type: 'proc-output';
  at: number;
  name: string;
  stream: 'stdout' | 'stderr';
  text: string;
}

/** Every wanted proc has ended: the manager is idle again. */
export interface RunEndEvent {
  type: 'run-end';
  at: number;
  /** No proc of this run ended `failed` or `failed-dep`. */
  ok: boolean;
  /** Wall time from `run-start`. */
  durationMs: number;
  /**
   * The chain of procs that determined the wall time: from the proc that ended last back through
   * the dep of each that ended last, with how long each ran (first to last).
   */
  criticalPath: { name: string; durationMs: number }[];
}

/** The watcher is armed. */
export interface WatchReadyEvent {
  type: 'watch-ready';
  at: number;
}

/** A debounced batch of changes is being rebuilt. */
export interface WatchRebuildEvent {
  type: 'watch-rebuild';
  at: number;
  /** The changed paths. */
  changed: string[];
  /** The procs scheduled again. */
  procs: string[];
}

/** Something went wrong that does not fail the run (e.g. an unusable task DB). */
export interface WarningEvent {
  type: 'warning';
  at: number;
  /** One line for people. */
  message: string;
}

/** Everything the core reports. */
export type RunEvent =
  | WarningEvent
  | RunStartEvent
  | ProcStateEvent
  | ProcOutputEvent
  | RunEndEvent
  | WatchReadyEvent
  | WatchRebuildEvent;

export type RunEventType = RunEvent['type'];

/** A listener of the event stream. */
export type EventListener = (e: RunEvent) => void;

/** Marks a listener that looks at `proc-output` events only while `wants()` says so. */
const OUTPUT = Symbol('parproc.wantsOutput');

/**
 * Marks `listener` as one that ignores `proc-output` events (a display that reads logs from their
 * files), or wants them only while `wants()` is true. With no listener wanting them, command
 * procs' output goes straight to their logs (runners/capture-file.ts). Unmarked listeners want it.
 */
export function ignoresOutput<L extends EventListener>(listener: L, wants: () => boolean = () => false): L {
  (listener as L & { [OUTPUT]?: () => boolean })[OUTPUT] = wants;
  return listener;
}

/**
 * A tiny synchronous fan-out. A throwing listener is reported to stderr once and removed, so a bad
 * reporter can never break the scheduler.
 */
export class EventBus {
  #listeners: EventListener[] = [];

  /** True when nobody listens: emitters may skip building events. */
  get idle(): boolean {
    return this.#listeners.length === 0;
  }

  /** True when some listener wants `proc-output` events (see `ignoresOutput`). */
  get wantsOutput(): boolean {
    for (const l of this.#listeners) if ((l as EventListener & { [OUTPUT]?: () => boolean })[OUTPUT]?.() ?? true) return true;
    return false;
  }

  on(listener: EventListener): () => void {
    this.#listeners = [...this.#listeners, listener];
    return () => {
      this.#listeners = this.#listeners.filter((l) => l !== listener);
    };
  }

  emit(e: RunEvent): void {
    for (const l of this.#listeners) {
      try {
        l(e);
      } catch (err) {
        this.#listeners = this.#listeners.filter((x) => x !== l);
        process.stderr.write(`parproc: an event listener threw and was removed: ${String(err)}\n`);
      }
    }
  }
}
