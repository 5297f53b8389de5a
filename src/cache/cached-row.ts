/**
 * A cached result's row as the task DB stores it (JSON text), and the checks its parsed columns
 * pass before use: a row from a damaged DB or another tool is "must run", never a wrong result.
 */
import type { ProcKey } from '../remote/keys.ts';
import type { InputFingerprints } from './task-store.ts';

/** A cached result as stored: JSON text. */
export interface CachedRow {
  output: string;
  at: number;
  inputs: string;
  definition: string;
  key: string | null;
}

/** A stored cache key with its parts, or `null` (none, or not in the expected shape). */
export function parseKey(text: string | null): ProcKey | null {
  if (text === null) return null;
  try {
    const k = JSON.parse(text) as ProcKey;
    const p = k?.parts;
    if (typeof k.key !== 'string' || typeof p?.definition !== 'string' || typeof p.inputs !== 'object' || typeof p.deps !== 'object') return null;
    return k;
  } catch {
    return null;
  }
}

/** Whether a parsed `inputs` column has the shape of `InputFingerprints`. */
export function isFingerprints(x: unknown): x is InputFingerprints {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return false;
  for (const v of Object.values(x)) {
    if (v === null) continue;
    if (!Array.isArray(v) || v.length < 2 || v.length > 3) return false;
    if (typeof v[0] !== 'number' || typeof v[1] !== 'number' || (v.length === 3 && typeof v[2] !== 'string')) return false;
  }
  return true;
}
