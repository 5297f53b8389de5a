/**
 * Cache keys that mean the same on every machine (issue 15): a SHA-256 of the key format, the
 * proc's name and definition, its inputs by content (paths relative to the project root), its
 * deps' keys and, for function procs, the task file and the first-party modules it imports (by
 * content, relative paths). No absolute path or mtime enters a key, so two checkouts of one
 * commit in different directories agree. The parts are kept so `-n --explain` can say what
 * changed since the last run.
 */
import { dirname, relative, resolve } from '../util/path.ts';
import { projectModules } from '../files/imports.ts';
import { displayPath } from '../files/inputs.ts';
import type { ProcNode } from '../graph/proc-node.ts';
import { fs, readInChunks } from '../util/fs.ts';

/** Bumped when what goes into a key changes: old artifacts are then never matched. */
export const KEY_FORMAT = 'parproc-key/1';

export interface KeyParts {
  /** Hash of the definition (body, args, options that change the result, source). */
  definition: string;
  /** Input path (relative to the project root) → content hash (`missing` when absent). */
  inputs: Record<string, string>;
  /** Dep name → its key. */
  deps: Record<string, string>;
}

export interface ProcKey {
  key: string;
  parts: KeyParts;
}

const sha = (text: string | Uint8Array): string => new Bun.CryptoHasher('sha256').update(text).digest('hex');

/** `abs` relative to `root` with `/` separators (`.` for the root), or as is when it is outside. */
export function projectPath(abs: string, root: string): string {
  return abs === root ? '.' : displayPath(abs, root);
}

const sourceHashes = new Map<string, string>();

/**
 * A content hash of a module and the project's modules it imports (transitively, in or outside its
 * directory), with paths relative to that directory (`../lib/x.ts`): the same in any checkout.
 * Once per process.
 */
export function sourceHash(file: string): string {
  let h = sourceHashes.get(file);
  if (h === undefined) {
    const root = dirname(file);
    const files = projectModules(file).sort();
    const hasher = new Bun.CryptoHasher('sha256');
    for (const f of files) {
      const shown = projectPath(f, root);
      hasher.update(`${shown.startsWith('/') ? relative(root, f) : shown}\0`);
      try {
        hasher.update(fs().readFileSync(f));
      } catch {
        hasher.update('(missing)');
      }
      hasher.update('\0');
    }
    h = hasher.digest('hex');
    sourceHashes.set(file, h);
  }
  return h;
}

/** Bytes read at a time for an input's content hash. */
const HASH_CHUNK = 16 * 1024 * 1024;

/** Content hashes by path, mtime and size: a file is read once per process while unchanged. */
const contentHashes = new Map<string, { mtimeMs: number; size: number; hash: string }>();

/** An input's content hash in keys (`missing`, `dir`, or 32 hex digits of its SHA-256). */
export function inputHash(abs: string): string {
  let st;
  try {
    st = fs().statSync(abs);
  } catch {
    return 'missing';
  }
  if (st.isDirectory()) return 'dir';
  const seen = contentHashes.get(abs);
  if (seen && seen.mtimeMs === st.mtimeMs && seen.size === st.size) return seen.hash;
  let hash: string;
  try {
    // A chunk at a time: the same digest as the whole file's, in bounded memory (an input over
    // 2 GB could not be read whole, and every such file hashed as 'unreadable', one key for any content).
    const hasher = new Bun.CryptoHasher('sha256');
    readInChunks(abs, Math.max(1, Math.min(st.size, HASH_CHUNK)), (bytes) => hasher.update(bytes));
    hash = hasher.digest('hex').slice(0, 32);
  } catch {
    hash = 'unreadable';
  }
  contentHashes.set(abs, { mtimeMs: st.mtimeMs, size: st.size, hash });
  return hash;
}

/** Specs as data: functions have no portable form, so they count by position only. */
const specData = (specs: readonly unknown[]): unknown[] => specs.map((s) => (typeof s === 'function' ? '(fn)' : s));

/**
 * The key of `node`, checked and about to run or be restored: its resolved inputs must be in
 * `node.inputs` (paths relative to `base`), its deps' keys in `depKeys`; `paramsHash` as
 * `Params.hash()`.
 */
export function procKey(node: ProcNode, root: string, sourceRoot: string | null, paramsHash: string, depKeys: (dep: ProcNode) => string | null): ProcKey {
  const base = resolve(node.opts.cwd ?? '.');
  const body =
    node.body.kind === 'fn'
      ? { fn: node.opts.trackSource && sourceRoot ? sourceHash(sourceRoot) : null }
      : node.body.kind === 'shell'
        ? { sh: node.body.command }
        : { argv: node.body.argv };
  const definition = sha(
    JSON.stringify({
      body,
      args: node.args,
      cwd: projectPath(base, root),
      env: node.opts.env,
      inputs: specData(node.opts.inputs),
      inputsIgnore: specData(node.opts.inputsIgnore),
      outputs: specData(node.opts.outputs),
      // A function proc may read ctx.params (keys made without params keep their form).
      ...(node.body.kind === 'fn' && paramsHash !== '' ? { params: paramsHash } : {}),
    }),
  );
  const inputs: Record<string, string> = {};
  for (const k of Object.keys(node.inputs ?? {}).sort()) {
    const abs = resolve(base, k);
    inputs[projectPath(abs, root)] = inputHash(abs);
  }
  const deps: Record<string, string> = {};
  for (const d of node.depNodes) deps[d.name] = depKeys(d) ?? 'unknown';
  const parts = { definition, inputs, deps };
  return { key: sha(JSON.stringify([KEY_FORMAT, node.name, parts])), parts };
}

/**
 * Why `now` differs from `before` (the last run's key), in a few words. Runs record keys only
 * with a remote cache (`sharing`): without one, there is never a key to compare.
 */
export function explainKey(now: ProcKey, before: ProcKey | null, sharing = true): string {
  if (before === null) return sharing ? 'no key recorded yet' : 'no key recorded: runs keep keys only with a remote cache';
  if (before.key === now.key) return 'same key as the last run';
  const why: string[] = [];
  if (before.parts.definition !== now.parts.definition) why.push('definition changed');
  for (const [p, h] of Object.entries(now.parts.inputs)) {
    const was = before.parts.inputs[p];
    if (was === undefined) why.push(`input added: ${p}`);
    else if (was !== h) why.push(`input changed: ${p}`);
  }
  for (const p of Object.keys(before.parts.inputs)) if (!(p in now.parts.inputs)) why.push(`input removed: ${p}`);
  for (const [d, k] of Object.entries(now.parts.deps)) if (before.parts.deps[d] !== k) why.push(`dep ${d} has a new key`);
  for (const d of Object.keys(before.parts.deps)) if (!(d in now.parts.deps)) why.push(`dep removed: ${d}`);
  if (why.length === 0) why.push('key format changed');
  return why.length > 3 ? `${why.slice(0, 3).join('; ')}; and ${why.length - 3} more` : why.join('; ');
}
