/**
 * The common shapes of options — lists of non-empty strings, flags, paths, a few names — checked
 * by hand: valibot costs about 10 µs a proc (a graph of 10,000 procs feels it) and milliseconds to
 * build its schemas (every start-up felt it). Anything else — functions, rules, durations, any
 * mistake — is `null` here and goes to valibot, whose messages stay the only ones.
 */

/** How a key's value must look: a list of names, a flag, text, a path or null, a count ≥ 1, or one of some words. */
export type SimpleKind = 'names' | 'flag' | 'text' | 'path' | 'count' | readonly string[];

/** `o` with its simple values (lists copied), or `null` when any key needs the full check. */
export function simpleShape(o: Record<string, unknown>, kinds: Readonly<Record<string, SimpleKind>>): Record<string, unknown> | null {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(o)) {
    const x = o[k];
    if (x === undefined) continue;
    const kind = kinds[k];
    if (kind === undefined || !fits(x, kind)) return null;
    out[k] = Array.isArray(x) ? x.slice() : x;
  }
  return out;
}

function fits(x: unknown, kind: SimpleKind): boolean {
  switch (kind) {
    case 'names':
      return Array.isArray(x) && x.every((s) => typeof s === 'string' && s !== '');
    case 'flag':
      return typeof x === 'boolean';
    case 'text':
      return typeof x === 'string';
    case 'path':
      return x === null || (typeof x === 'string' && x !== '');
    case 'count':
      return typeof x === 'number' && Number.isInteger(x) && x >= 1;
    default:
      return typeof x === 'string' && kind.includes(x);
  }
}
