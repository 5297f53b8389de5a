/**
 * What crosses to a Bun Worker or a child process: plain, structured-cloneable data only. A job
 * spec names the proc and where its function was defined; handles (the log, signals, slots, the
 * scheduler) stay in the parent, which answers the remote side's `ctx` calls.
 */
import type { ProcError } from '../types.ts';

/** One execution of a function proc, as data. */
export interface JobSpec {
  /** Unique per execution in the parent (messages carry it). */
  readonly id: number;
  readonly name: string;
  /** The module whose top level defined the proc (re-imported with scheduling calls inert). */
  readonly module: string;
  /** The `proc()`/`proto()` call site, `file:line:column`, with `definedAs` identifying the body. */
  readonly site: string;
  /** The name the body was registered under: the proc's name, or the proto's pattern. */
  readonly definedAs: string;
  readonly args: Record<string, unknown>;
  readonly params: Record<string, unknown>;
  readonly cwd: string | null;
  readonly env: Record<string, string> | null;
  readonly depsChanged: boolean;
  readonly changedDeps: string[];
  readonly inputFingerprint: Record<string, number> | null;
  /** `ctx.results` when the proc started. */
  readonly results: Record<string, unknown>;
}

/** How a remote execution ended (an `Outcome` without handles). */
export interface RemoteOutcome {
  state: 'succeeded' | 'failed' | 'skipped';
  error: ProcError;
  moreInfo: string | null;
  output: unknown;
}

/** `ctx` methods the remote side asks the parent for. */
export type RemoteMethod = 'create' | 'start' | 'run' | 'wait' | 'prompt';

/** Parent → worker/child. */
export type ToRemote =
  /** Import a module ahead of time (a warm child), so the job that needs it starts at once. */
  | { type: 'preload'; module: string }
  | { type: 'run'; job: JobSpec }
  /** Abort the job's `ctx.signal`; the parent stops the worker/child if it does not end soon. */
  | { type: 'cancel'; id: number; reason: 'timeout' | 'interrupted' }
  /** The answer to a `call`. */
  | { type: 'reply'; callId: number; ok: true; value: unknown }
  | { type: 'reply'; callId: number; ok: false; error: { message: string; name: string; code: string | null; failed: string[] | null; results?: Record<string, unknown> } };

/** Worker/child → parent. */
export type FromRemote =
  | { type: 'output'; id: number; stream: 'stdout' | 'stderr'; text: string }
  | { type: 'call'; id: number; callId: number; method: RemoteMethod; args: unknown[] }
  /** A command the proc started (its process group), and its end: the parent kills live ones on a stop. */
  | { type: 'spawned'; id: number; pid: number }
  | { type: 'reaped'; id: number; pid: number }
  | { type: 'done'; id: number; outcome: RemoteOutcome };
