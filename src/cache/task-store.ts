/**
 * The task DB seam: run history and the result cache. The scheduler never sees it; the manager
 * asks it for cached results and records outcomes. `SqliteStore` is the real one.
 */

import type { ProcKey } from '../remote/keys.ts';

/** One input's fingerprint: `[mtimeMs, size]`, plus a content hash in `fingerprint: 'hash'` mode. */
export type FileFingerprint = [mtimeMs: number, size: number, hash?: string];

/** Fingerprints of a proc's resolved inputs, by path; a missing file is `null`. */
export type InputFingerprints = Record<string, FileFingerprint | null>;

/** What is cached for a proc after it succeeded. */
export interface CachedResult {
  /** The proc's output (plain data). */
  output: unknown;
  /** When it was cached (epoch ms). */
  at: number;
  /** Input fingerprints at the time it ran. */
  inputs: InputFingerprints;
  /** A hash of the proc's definition (body and args): a changed command reruns. */
  definition: string;
  /** Its remote-cache key with the parts it was made of (for `-n --explain`), when one was made. */
  key?: ProcKey | null;
}

/** A history row. */
export interface RunRecord {
  runId: string;
  name: string;
  startedAt: number;
  endedAt: number;
  status: 'success' | 'failed' | 'timeout';
  /** `'remote'`: restored from the remote cache, not run (left out of expected durations). */
  cache?: 'remote' | null;
}

export interface TaskStore {
  /** The DB file. */
  readonly path: string;
  /** The cached result of `name`, or `null`. */
  getCached(name: string): CachedResult | null;
  /** Caches a result (written with the next batch). */
  putCached(name: string, result: CachedResult): void;
  /** Records a finished execution (written with the next batch). */
  recordRun(run: RunRecord): void;
  /** Weighted mean (0.8^i, newest first) of the last 10 successful durations in ms, or `null`. */
  expectedDuration(name: string): number | null;
  /** Durations (ms) of each proc's newest recorded run. */
  lastDurations(): Map<string, number>;
  /** Every proc's expected duration, and the procs whose newest run failed (scheduling). */
  scheduleHints(): { expected: Map<string, number>; failedLast: Set<string> };
  /** Recorded runs, newest first. */
  history(name: string | null, limit: number): RunRecord[];
  /** Forgets cached results of `names` (all when `null`): how many, which names had none, the procs still cached. */
  forget(names: string[] | null): { count: number; forgotten: string[]; uncached: string[]; remaining: string[] };
  /** Commits batched writes in one transaction. */
  flush(): void;
  close(): void;
}
