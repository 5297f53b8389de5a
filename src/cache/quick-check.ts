/**
 * The no-op fast path's test of a proc's inputs (incremental.ts `#unchanged`): for a proc whose
 * inputs and outputs are plain paths, its fingerprints compared with the cached row's from stats
 * alone — never reading a file, so a check decided here rests on stats and the row only (what the
 * CLI's no-op seal relies on). Anything it cannot decide so is `null`: the full check decides.
 */
import { hasGlob, hasPlaceholders } from '../graph/pattern.ts';
import type { ProcNode } from '../graph/proc-node.ts';
import type { Options } from '../options.ts';
import { fingerprintFiles } from '../files/fingerprint.ts';
import type { FileStat } from '../files/stat-pass.ts';
import type { InputFingerprints } from './task-store.ts';

/** Inputs and outputs that are plain paths (no globs, placeholders, functions or ignores), and no import tracking. */
export function plainFiles(node: ProcNode, o: Readonly<Options>): boolean {
  if (node.opts.inputsIgnore.length > 0 || o.globalInputsIgnore?.length || (node.opts.trackImports ?? o.trackImports)) return false;
  for (const s of node.opts.inputs) if (typeof s !== 'string' || hasGlob(s) || hasPlaceholders(s)) return false;
  for (const s of node.opts.outputs) if (typeof s !== 'string' || hasGlob(s) || hasPlaceholders(s)) return false;
  return true;
}

/**
 * The fingerprints of `paths` when they are the cached row's (`rowInputs`, its JSON text), else
 * `null`. By mtime: the JSON texts compared, nothing parsed. By hash: each file's mtime and size
 * compared with the row's, whose hash it keeps — a file that changed would need reading, which is
 * the full check's to do.
 */
export function unchangedInputs(
  paths: readonly string[],
  key: (abs: string) => string,
  mode: 'mtime' | 'hash',
  rowInputs: string,
  stat: (abs: string) => FileStat | undefined,
): InputFingerprints | null {
  if (mode === 'mtime') {
    const inputs = fingerprintFiles(paths, key, 'mtime', null, stat);
    return JSON.stringify(inputs) === rowInputs ? inputs : null;
  }
  const cached = JSON.parse(rowInputs) as InputFingerprints;
  if (Object.keys(cached).length !== paths.length) return null;
  const inputs: InputFingerprints = {};
  for (const abs of paths) {
    const k = key(abs);
    const st = stat(abs);
    const c = cached[k];
    if (c === undefined) return null;
    if (st === undefined || c === null) {
      if ((st === undefined) !== (c === null)) return null;
      inputs[k] = null;
      continue;
    }
    if (c[0] !== st.mtimeMs || c[1] !== st.size || c[2] === undefined) return null;
    inputs[k] = [st.mtimeMs, st.size, c[2]];
  }
  return inputs;
}
