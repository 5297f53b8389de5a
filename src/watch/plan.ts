/**
 * What a proc's inputs mean for watching (SPEC 8): the directories to watch and which changed
 * paths belong to the proc. Globs are watched at their non-glob root, so a new file matching the
 * glob counts; plain paths at their parent directory; the inputs resolved at the proc's last
 * check (FileSpecFns, trackImports) are matched exactly, and so are the files symlinks among them
 * lead to. `inputsIgnore` and `globalInputsIgnore` apply. Pure but for one `stat` per plain path
 * (is it a directory?) and one listing per directory of resolved inputs (which are symlinks?).
 */
import { fs, isDirectory } from '../util/fs.ts';
import { dirname, isAbsolute, relative, resolve, sep } from '../util/path.ts';
import { fillSpecs } from '../graph/proc-specs.ts';
import { expandSpecs, globRoot, hiddenFromGlob, ignoreMatcher, resolveInputs } from '../files/inputs.ts';
import { hasGlob } from '../graph/pattern.ts';
import type { ProcNode } from '../graph/proc-node.ts';
import type { DepContext } from '../types.ts';

export interface ProcWatch {
  readonly node: ProcNode;
  /** Directories to watch (recursively). */
  readonly roots: string[];
  /**
   * Whether an absolute path is one of the proc's inputs; a `gone` path (deleted, or moved away)
   * also when the inputs of the proc's last check were under it: a directory that took them along.
   */
  owns(path: string, gone?: boolean): boolean;
  /** The input files on disk now (globs expanded; absolute paths). */
  current(): string[];
}

export function planProc(node: ProcNode, params: Record<string, unknown>, globalIgnore: readonly string[]): ProcWatch {
  const base = resolve(node.opts.cwd ?? '.');
  const c: DepContext = { procName: node.name, params, args: node.args };
  const ignoreSpecs = fillSpecs([...node.opts.inputsIgnore, ...globalIgnore], node);
  const ignored = ignoreMatcher(expandSpecs(ignoreSpecs, c, 'inputsIgnore'), base);
  const roots: string[] = [];
  const exact = new Set<string>();
  const dirs: string[] = [];
  const globs: { glob: Bun.Glob; spec: string; absolute: boolean }[] = [];
  for (const spec of expandSpecs(fillSpecs(node.opts.inputs, node), c, 'inputs')) {
    if (hasGlob(spec)) {
      roots.push(globRoot(spec, base));
      globs.push({ glob: new Bun.Glob(spec), spec, absolute: isAbsolute(spec) });
      continue;
    }
    const abs = resolve(base, spec);
    if (isDirectory(abs)) {
      roots.push(abs);
      dirs.push(abs);
    } else {
      roots.push(dirname(abs));
      exact.add(abs);
    }
  }
  // What the last check resolved (FileSpecFn results, tracked imports) counts exactly; so does the
  // file a symlink among them leads to, which an edit through the link changes, wherever it is.
  const links = new SymlinkFinder();
  for (const p of Object.keys(node.inputs ?? {})) {
    const abs = resolve(base, p);
    exact.add(abs);
    roots.push(dirname(abs));
    const target = links.target(abs);
    if (target !== null) {
      exact.add(target);
      roots.push(dirname(target));
    }
  }
  // The inputs of the proc's latest check (absolute), made again when a check replaced them.
  let checked: { of: object; paths: Set<string> } | null = null;
  const lastChecked = (): Set<string> | null => {
    const inputs = node.inputs;
    if (inputs === null) return null;
    if (checked?.of !== inputs) checked = { of: inputs, paths: new Set(Object.keys(inputs).map((p) => resolve(base, p))) };
    return checked.paths;
  };
  return {
    node,
    roots,
    current: () => resolveInputs({ inputs: fillSpecs(node.opts.inputs, node), ignore: ignoreSpecs, trackImports: false, importRoots: [], base }, c),
    owns(path, gone = false) {
      if (ignored(path)) return false;
      if (exact.has(path)) return true;
      if (gone) {
        // Gone: a change only to a proc whose latest check had it, or files under it (a directory
        // moved away). A file that came and went in between — a scratch file the proc itself
        // wrote and removed during its run — changed nothing it reads.
        const last = lastChecked();
        const under = path + sep;
        for (const p of exact) if (p.startsWith(under)) return true;
        if (last !== null) {
          if (last.has(path)) return true;
          for (const p of last) if (p.startsWith(under)) return true;
          return false;
        }
      }
      for (const d of dirs) if (path.startsWith(d + sep)) return true;
      if (globs.length === 0) return false;
      const rel = relative(base, path).split(sep).join('/');
      // Names that start with a dot are left out as the inputs' scan leaves them (inputs.ts).
      return globs.some((g) => g.glob.match(g.absolute ? path : rel) && !hiddenFromGlob(path, g.spec, base));
    },
  };
}

/**
 * Where symlinks lead. Which entries are symlinks is read once per directory (one listing for all
 * its inputs: 10,000 inputs in 100 directories are 100 reads, not 10,000 `lstat`s).
 */
class SymlinkFinder {
  #byDir = new Map<string, Set<string>>();

  /** Where `abs` finally leads if it is a symlink, else `null`. */
  target(abs: string): string | null {
    const dir = dirname(abs);
    let links = this.#byDir.get(dir);
    if (links === undefined) {
      links = new Set();
      try {
        for (const e of fs().readdirSync(dir, { withFileTypes: true })) if (e.isSymbolicLink()) links.add(e.name);
      } catch {
        // gone: nothing to follow
      }
      this.#byDir.set(dir, links);
    }
    if (links.size === 0 || !links.has(abs.slice(dir.length + 1))) return null;
    try {
      return fs().realpathSync(abs);
    } catch {
      return null; // dangling
    }
  }
}
