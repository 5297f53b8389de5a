/**
 * Whether a wanted proc must run or is up to date (SPEC 6), with the reason — pure: the facts are
 * gathered by the caller.
 */
import { compareFingerprints } from '../files/fingerprint.ts';
import { onlyParamsDiffer } from './definition.ts';
import type { CachedResult, InputFingerprints } from './task-store.ts';

export interface StalenessFacts {
  full: boolean;
  noSkip: boolean;
  hasStore: boolean;
  hasDeps: boolean;
  hasInputs: boolean;
  /** A dep that ran (was not up-to-date or skipped) in this run, if any. */
  changedDep: string | null;
  cached: CachedResult | null;
  inputs: InputFingerprints | null;
  definition: string;
  fingerprint: 'mtime' | 'hash';
  /** Declared outputs that are missing or older than their maxAge. */
  outputs: { missing: string[]; stale: string[] } | null;
}

/** `always`: a reason that holds at every run, whatever the proc's files and deps did. */
export type Verdict = { run: false; cached: CachedResult } | { run: true; reason: string; always?: true };

export function decide(f: StalenessFacts): Verdict {
  const run = (reason: string): Verdict => ({ run: true, reason });
  const always = (reason: string): Verdict => ({ run: true, reason, always: true });
  if (f.full) return always('full run');
  if (f.noSkip) return always('noSkip');
  if (!f.hasStore) return always('no task DB');
  if (!f.hasDeps && !f.hasInputs) return always('no deps or inputs: never skipped');
  if (f.changedDep !== null) return run(`dep ${f.changedDep} ran`);
  if (f.cached === null) return run('no cached result');
  if (f.cached.definition !== f.definition) return run(onlyParamsDiffer(f.cached.definition, f.definition) ? 'params changed' : 'definition changed');
  const diff = compareFingerprints(f.cached.inputs, f.inputs ?? {}, f.fingerprint);
  if (diff !== null) return run(diff);
  if (f.outputs?.missing.length) return run(`output missing: ${f.outputs.missing[0]}`);
  if (f.outputs?.stale.length) return run(`output older than maxAge: ${f.outputs.stale[0]}`);
  return { run: false, cached: f.cached };
}
