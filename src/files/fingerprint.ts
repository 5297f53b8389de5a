/**
 * Input fingerprints: `[mtimeMs, size]` per file; in `'hash'` mode also a content hash, computed
 * only when mtime or size differ from the cached fingerprint (the fast path reuses its hash).
 */
import type { FileFingerprint, InputFingerprints } from '../cache/task-store.ts';
import { fs } from '../util/fs.ts';
import { statFile, type FileStat } from './stat-pass.ts';

/** Fingerprints of `paths` (keyed by `key(path)`); `stat` may share stats between checks (`StatPass`). */
export function fingerprintFiles(
  paths: readonly string[],
  key: (abs: string) => string,
  mode: 'mtime' | 'hash',
  previous: InputFingerprints | null,
  stat: (abs: string) => FileStat | undefined = statFile,
): InputFingerprints {
  const out: InputFingerprints = {};
  for (const abs of paths) {
    const k = key(abs);
    const st = stat(abs); // missing, or not reachable: missing as well
    if (st === undefined) {
      out[k] = null;
      continue;
    }
    const fp: FileFingerprint = [st.mtimeMs, st.size];
    if (mode === 'hash') {
      const prev = previous?.[k];
      fp[2] = prev && prev[0] === fp[0] && prev[1] === fp[1] && prev[2] !== undefined ? prev[2] : hashFile(abs);
    }
    out[k] = fp;
  }
  return out;
}

function hashFile(abs: string): string {
  try {
    return Bun.hash(fs().readFileSync(abs)).toString(16);
  } catch {
    return '';
  }
}

/** The first difference between cached and current fingerprints, for a stale reason; `null` if equal. */
export function compareFingerprints(cached: InputFingerprints, current: InputFingerprints, mode: 'mtime' | 'hash'): string | null {
  for (const k of Object.keys(current)) {
    if (!(k in cached)) return `input added: ${k}`;
    const a = cached[k];
    const b = current[k];
    if (a === null || a === undefined || b === null || b === undefined) {
      if (a !== b) return b === null ? `input missing: ${k}` : `input appeared: ${k}`;
      continue;
    }
    const same = mode === 'hash' && a[2] !== undefined && b[2] !== undefined ? a[2] === b[2] : a[0] === b[0] && a[1] === b[1];
    if (!same) return `input changed: ${k}`;
  }
  for (const k of Object.keys(cached)) if (!(k in current)) return `input removed: ${k}`;
  return null;
}

/** `ctx.inputFingerprint`: path → mtimeMs (missing files left out). */
export function mtimesOf(fps: InputFingerprints): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(fps)) if (v) out[k] = v[0];
  return out;
}
