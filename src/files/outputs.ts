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
import { hasGlob } from '../graph/pattern.ts';
import { scanGlob } from './inputs.ts';

/**
 * Output specs resolved to absolute paths with their freshness rules. A glob (`dist/**\/*.js`)
 * stands for the files it matches now, each with the spec's rules; one that matches nothing
 * stays as it is — a missing output. With `expandGlobs` false, globs are kept (made absolute).
 */
export function resolveOutputs(specs: readonly (string | OutputSpec | FileSpecFn)[], c: DepContext, cwd: string, expandGlobs = true): OutputSpec[] {
  const out: OutputSpec[] = [];
  const add = (path: string, maxAge: number | null, enforceFreshness: boolean): void => {
    const abs = resolve(cwd, path);
    const found = expandGlobs && hasGlob(path) ? scanGlob(abs, cwd) : [];
    if (found.length === 0) out.push({ path: abs, maxAge, enforceFreshness });
    else for (const f of found) out.push({ path: f, maxAge, enforceFreshness });
  };
  for (const s of specs) {
    if (typeof s === 'string') add(s, null, true);
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
      for (const p of got) add(p, null, true);
    } else add(s.path, s.maxAge, s.enforceFreshness);
  }
  return out;
}

/**
 * Problems with outputs (after a run, or when checking a cached result): `null` when all are there
 * and fresh enough. `stat` may share stats between checks (`StatPass`); after a run, stat afresh.
 * When checking, an output older than its `maxAge` makes the proc stale whatever
 * `enforceFreshness` says (SPEC 6); after a run (`afterRun`), only with `enforceFreshness` does
 * one that was not refreshed fail the proc.
 */
export function verifyOutputs(outputs: readonly OutputSpec[], stat: (abs: string) => FileStat | undefined = statFile, afterRun = false): { missing: string[]; stale: string[] } | null {
  let problem: { missing: string[]; stale: string[] } | null = null;
  let now: number | undefined;
  for (const o of outputs) {
    const st = stat(o.path); // missing, or not reachable: missing as well
    if (st === undefined) (problem ??= { missing: [], stale: [] }).missing.push(o.path);
    else if (o.maxAge !== null && (o.enforceFreshness || !afterRun) && st.mtimeMs < (now ??= Date.now()) - o.maxAge * 1000) (problem ??= { missing: [], stale: [] }).stale.push(o.path);
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
