/**
 * Input fingerprints: `[mtimeMs, size]` per file; in `'hash'` mode also a content hash, computed
 * only when mtime or size differ from the cached fingerprint (the fast path reuses its hash).
 */
import type { FileFingerprint, InputFingerprints } from '../cache/task-store.ts';
import { fs, readInChunks } from '../util/fs.ts';
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
      const hash = prev && prev[0] === fp[0] && prev[1] === fp[1] && prev[2] !== undefined ? prev[2] : contentHash(abs, st.size);
      if (hash !== undefined) fp[2] = hash;
    }
    out[k] = fp;
  }
  return out;
}

/** Files up to this size are hashed in one read; bigger ones chunk by chunk, in bounded memory. */
const WHOLE_MAX = 64 * 1024 * 1024;
const CHUNK = 16 * 1024 * 1024;

/**
 * A file's content hash; `undefined` when it cannot be read, so that its mtime and size decide
 * (an empty hash for every unreadable file, as before, made a changed file look the same). A
 * big file is hashed a chunk at a time (a 5 GB input was read whole, or not at all: past 2 GB
 * the read fails), the hash of its chunks' hashes, marked `c` apart from a whole-file hash.
 */
export function contentHash(abs: string, size: number, wholeMax = WHOLE_MAX, chunk = CHUNK): string | undefined {
  const f = fs();
  try {
    if (size <= wholeMax) return Bun.hash(f.readFileSync(abs)).toString(16);
    const parts: string[] = [];
    readInChunks(abs, chunk, (bytes) => parts.push(Bun.hash(bytes).toString(16)));
    return `c${Bun.hash(parts.join(',')).toString(16)}`;
  } catch {
    return undefined;
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
