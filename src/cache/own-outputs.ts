/**
 * A proc's declared outputs that are among its own inputs — a generator writing into the tree it
 * reads (`src/**\/*.ts` → `src/gen.ts`), a formatter rewriting its inputs: after a successful run
 * their fingerprints are taken as the run left them, so the proc's own writes do not make it stale
 * at the next run (it reran at every run). Its other inputs keep the fingerprints taken before it
 * ran: a file someone else changed meanwhile still reruns it.
 */
import { fingerprintFiles } from '../files/fingerprint.ts';
import { globRoot, ignoreMatcher, resolveInputs, type InputSpec } from '../files/inputs.ts';
import { hasGlob } from '../graph/pattern.ts';
import { isWithin, resolve } from '../util/path.ts';
import type { DepContext } from '../types.ts';
import type { InputFingerprints } from './task-store.ts';

/** Where a spec's files can be: its path, or a glob's non-glob root; `null` for a function (anywhere). */
const rootOf = (spec: unknown, base: string): string | null => (typeof spec !== 'string' ? null : hasGlob(spec) ? globRoot(spec, base) : resolve(base, spec));

/** Whether some output (absolute paths and globs) may lie among the inputs: the cheap test first. */
function mayOverlap(inputs: InputSpec['inputs'], outputs: readonly string[], base: string): boolean {
  const inRoots = inputs.map((s) => rootOf(s, base));
  if (inRoots.includes(null)) return true;
  const outRoots = outputs.map((o) => rootOf(o, '/') as string);
  return inRoots.some((i) => outRoots.some((o) => isWithin(o, i as string) || isWithin(i as string, o)));
}

/**
 * The fingerprints to cache after a successful run: `before` (taken at the check), with those of
 * the proc's outputs among its inputs taken again now, in the order a check makes them.
 */
export function withOwnOutputs(before: InputFingerprints, spec: InputSpec, outputs: readonly string[], c: DepContext, mode: 'mtime' | 'hash', key: (abs: string) => string): InputFingerprints {
  if (outputs.length === 0 || !mayOverlap(spec.inputs, outputs, spec.base)) return before;
  const isOutput = ignoreMatcher([...outputs], '/');
  const entries: [abs: string, key: string, fp: InputFingerprints[string]][] = [];
  for (const [k, fp] of Object.entries(before)) {
    const abs = resolve(spec.base, k);
    if (!isOutput(abs)) entries.push([abs, k, fp]);
  }
  const fresh = resolveInputs(spec, c).filter(isOutput);
  const now = fingerprintFiles(fresh, key, mode, before);
  for (const abs of fresh) entries.push([abs, key(abs), now[key(abs)] as InputFingerprints[string]]);
  entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const out: InputFingerprints = {};
  for (const [, k, fp] of entries) out[k] = fp;
  return out;
}
