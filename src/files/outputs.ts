/**
 * Declared outputs (SPEC 6): resolved from specs, and verified after a successful run — a missing
 * output, or one older than its `maxAge` while `enforceFreshness` holds, fails the proc with
 * `'outputs-not-refreshed'`.
 */
import { resolve } from '../util/path.ts';
import { UserError } from '../errors.ts';
import type { DepContext, FileSpecFn, OutputSpec } from '../types.ts';
import { statFile, type FileStat } from './stat-pass.ts';
import { allStrings } from '../util/lists.ts';

/** Output specs resolved to absolute paths with their freshness rules. */
export function resolveOutputs(specs: readonly (string | OutputSpec | FileSpecFn)[], c: DepContext, cwd: string): OutputSpec[] {
  const out: OutputSpec[] = [];
  for (const s of specs) {
    if (typeof s === 'string') out.push({ path: resolve(cwd, s), maxAge: null, enforceFreshness: true });
    else if (typeof s === 'function') {
      let got: unknown;
      try {
        got = s(c);
      } catch (err) {
        throw new UserError(`proc "${c.procName}": an outputs function threw: ${(err as Error).message}`, 'E_OUTPUTS');
      }
      if (!Array.isArray(got) || !allStrings(got)) {
        throw new UserError(`proc "${c.procName}": an outputs function must return an array of paths`, 'E_OUTPUTS');
      }
      for (const p of got) out.push({ path: resolve(cwd, p), maxAge: null, enforceFreshness: true });
    } else out.push({ ...s, path: resolve(cwd, s.path) });
  }
  return out;
}

/**
 * Problems with outputs (after a run, or when checking a cached result): `null` when all are there
 * and fresh enough. `stat` may share stats between checks (`StatPass`); after a run, stat afresh.
 */
export function verifyOutputs(outputs: readonly OutputSpec[], stat: (abs: string) => FileStat | undefined = statFile): { missing: string[]; stale: string[] } | null {
  let problem: { missing: string[]; stale: string[] } | null = null;
  let now: number | undefined;
  for (const o of outputs) {
    const st = stat(o.path); // missing, or not reachable: missing as well
    if (st === undefined) (problem ??= { missing: [], stale: [] }).missing.push(o.path);
    else if (o.maxAge !== null && o.enforceFreshness && st.mtimeMs < (now ??= Date.now()) - o.maxAge * 1000) (problem ??= { missing: [], stale: [] }).stale.push(o.path);
  }
  return problem;
}

/** The `moreInfo` text for failed verification. */
export function describeOutputProblem(p: { missing: string[]; stale: string[] }): string {
  const parts: string[] = [];
  if (p.missing.length) parts.push(`outputs not refreshed: ${p.missing.join(', ')}`);
  if (p.stale.length) parts.push(`outputs older than max_age: ${p.stale.join(', ')}`);
  return parts.join('; ');
}
