/**
 * Results must be plain data (API.md): null, booleans, finite numbers, strings, arrays and plain
 * objects of these. `undefined` becomes `null`; objects with `toJSON` go through it.
 */

export type PlainResult = { ok: true; value: unknown } | { ok: false; reason: string };

/** Converts `value` to plain data, or says why it cannot be. */
export function toPlainData(value: unknown): PlainResult {
  // Fast path for the common small results.
  switch (typeof value) {
    case 'undefined':
      return { ok: true, value: null };
    case 'string':
    case 'boolean':
      return { ok: true, value };
    case 'number':
      return Number.isFinite(value) ? { ok: true, value } : { ok: true, value: null };
    default:
  }
  if (value === null) return { ok: true, value: null };
  try {
    return { ok: true, value: convert(value, new Set(), 'result') };
  } catch (err) {
    if (err instanceof NotPlain) return { ok: false, reason: err.message };
    throw err;
  }
}

class NotPlain extends Error {}

function convert(value: unknown, seen: Set<object>, path: string): unknown {
  switch (typeof value) {
    case 'undefined':
      return null;
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      // JSON turns NaN and Infinity into null; do the same so the cache and the run agree.
      return Number.isFinite(value) ? value : null;
    case 'bigint':
      throw new NotPlain(`${path} is a BigInt`);
    case 'symbol':
      throw new NotPlain(`${path} is a symbol`);
    case 'function':
      throw new NotPlain(`${path} is a function`);
    case 'object':
      break;
  }
  if (value === null) return null;
  const obj = value as object;
  if (seen.has(obj)) throw new NotPlain(`${path} is circular`);
  if (typeof (obj as { toJSON?: unknown }).toJSON === 'function') {
    return convert((obj as { toJSON(): unknown }).toJSON(), seen, path);
  }
  seen.add(obj);
  let out: unknown;
  if (Array.isArray(obj)) {
    out = obj.map((v, i) => convert(v, seen, `${path}[${i}]`));
  } else {
    const proto = Object.getPrototypeOf(obj);
    if (proto !== Object.prototype && proto !== null) {
      const ctor = (proto as { constructor?: { name?: string } }).constructor?.name ?? 'unknown';
      throw new NotPlain(`${path} is ${/^[AEIOU]/.test(ctor) ? 'an' : 'a'} ${ctor} instance, not a plain object`);
    }
    const res: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(obj)) res[k] = convert(v, seen, `${path}.${k}`);
    out = res;
  }
  seen.delete(obj);
  return out;
}
