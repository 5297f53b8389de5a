/**
 * A proc's file specs (inputs, outputs, ignores) with its args filled into their `[param]`
 * placeholders: what its checks and its watch see.
 */
import { fillPattern, hasPlaceholders } from './pattern.ts';
import type { ProcNode } from './proc-node.ts';

/** Fills `[param]` placeholders in string (and `output()`) specs from the proc's args. */
export function fillSpecs<T>(specs: readonly T[], node: ProcNode): readonly T[] {
  if (Object.keys(node.args).length === 0) return specs;
  const fill = (x: string) => (hasPlaceholders(x) ? fillPattern(x, node.args, `proc "${node.name}"`, true) : x);
  return specs.map((s) => {
    if (typeof s === 'string') return fill(s) as T;
    if (typeof s === 'object' && s !== null && 'path' in s) return { ...(s as object), path: fill((s as { path: string }).path) } as T;
    return s;
  });
}
