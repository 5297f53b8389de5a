/**
 * `trackImports`: the first-party modules TS/JS inputs import, transitively. Specifiers come from
 * Bun.Transpiler's import scanner (not regexes); relative and absolute specifiers, and aliases
 * resolved as Bun resolves them — tsconfig.json `paths` (`@/lib/util`), package.json
 * `imports` (`#lib/util`), and workspace packages linked into node_modules — count when they
 * land under an import root; not installed packages, not `node:`/`bun:` built-ins.
 */
import { dirname, extname, join, resolve, sep } from '../util/path.ts';
import { fs } from '../util/fs.ts';
import { globToRegex } from '../graph/pattern.ts';

const LOADERS: Record<string, 'ts' | 'tsx' | 'js' | 'jsx'> = {
  '.ts': 'ts', '.mts': 'ts', '.cts': 'ts', '.tsx': 'tsx', '.js': 'js', '.mjs': 'js', '.cjs': 'js', '.jsx': 'jsx',
};
/** Node's built-in modules, imported without `node:` (loaded when first needed). */
let builtins: Set<string> | null = null;
const isBuiltin = (name: string) => (builtins ??= new Set((require('node:module') as typeof import('node:module')).builtinModules)).has(name);
const TRY_EXTENSIONS = ['', '.ts', '.tsx', '.mts', '.js', '.mjs', '.jsx', '.cts', '.cjs'];

/** Scan results by file, reused while the file's mtime is unchanged. */
const scanned = new Map<string, { mtimeMs: number; imports: string[]; packages: string[] }>();
const transpilers = new Map<string, Bun.Transpiler>();

function isFile(p: string): boolean {
  try {
    return fs().statSync(p).isFile();
  } catch {
    return false;
  }
}

function resolveSpecifier(from: string, spec: string): string | null {
  if (!(spec.startsWith('./') || spec.startsWith('../') || spec.startsWith('/'))) return null;
  const base = resolve(dirname(from), spec.replace(/[?#].*$/, ''));
  for (const ext of TRY_EXTENSIONS) if (isFile(base + ext)) return base + ext;
  // A `.js` specifier may name a `.ts` source (TypeScript's ESM convention).
  if (/\.(m|c)?js$/.test(base)) {
    const ts = base.replace(/\.(m|c)?js$/, (_m, k: string | undefined) => `.${k ?? ''}ts`);
    if (isFile(ts)) return ts;
  }
  for (const ext of TRY_EXTENSIONS.slice(1)) if (isFile(resolve(base, `index${ext}`))) return resolve(base, `index${ext}`);
  return null;
}

/** The nearest tsconfig.json's `paths` patterns (`@/*`: a `*` glob), by directory. */
const aliasesByDir = new Map<string, RegExp[]>();

function tsconfigAliases(dir: string): RegExp[] {
  const known = aliasesByDir.get(dir);
  if (known !== undefined) return known;
  let found: RegExp[] = [];
  const file = join(dir, 'tsconfig.json');
  if (isFile(file)) {
    try {
      const parse = (Bun as unknown as { JSONC?: { parse(t: string): unknown } }).JSONC?.parse ?? JSON.parse;
      const paths = (parse(fs().readFileSync(file, 'utf8')) as { compilerOptions?: { paths?: Record<string, unknown> } })?.compilerOptions?.paths;
      const keys = paths && typeof paths === 'object' ? Object.keys(paths) : [];
      found = keys.map(globToRegex);
    } catch {
      // a tsconfig.json that does not parse names no aliases
    }
  } else if (dirname(dir) !== dir) found = tsconfigAliases(dirname(dir));
  aliasesByDir.set(dir, found);
  return found;
}

/** A resolved path when it is the project's own module (absolute, not in `node_modules`), else `null`. */
const ownModule = (path: string): string | null => (path.startsWith('/') && !path.split(sep).includes('node_modules') ? path : null);

/**
 * A bare specifier that is an alias of the project's own (`#…`, or one of tsconfig's `paths`),
 * resolved as Bun does; `null` for a package. Only aliases are resolved: resolving a package
 * name could make Bun install it.
 */
function resolveAlias(from: string, spec: string): string | null {
  const dir = dirname(from);
  if (!spec.startsWith('#') && !tsconfigAliases(dir).some((re) => re.test(spec))) return null;
  try {
    const path = Bun.resolveSync(spec, dir);
    return ownModule(path);
  } catch {
    return null;
  }
}

/**
 * A bare specifier naming a workspace package of the project's own (`node_modules/@acme/util`, a
 * symlink into `packages/util`, as bun, npm, pnpm and yarn workspaces link them), resolved as Bun
 * does; `null` for an installed package, or none. Its modules are the project's code.
 */
function resolveWorkspace(from: string, spec: string): string | null {
  const parts = spec.split('/');
  const name = spec.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] as string);
  for (let d = dirname(from); ; d = dirname(d)) {
    let linked: boolean | null = null;
    try {
      linked = fs().lstatSync(join(d, 'node_modules', name)).isSymbolicLink();
    } catch {
      // not installed here: look further up
    }
    if (linked === false) return null;
    if (linked === true) {
      try {
        const path = Bun.resolveSync(spec, dirname(from));
        return ownModule(path);
      } catch {
        return null;
      }
    }
    if (dirname(d) === d) return null;
  }
}

/** What `file` imports: first-party modules (resolved), and the bare specifiers of packages. */
function scan(file: string): { imports: string[]; packages: string[] } {
  const none = { imports: [], packages: [] };
  const loader = LOADERS[extname(file)];
  if (!loader) return none;
  let mtimeMs: number;
  try {
    mtimeMs = fs().statSync(file).mtimeMs;
  } catch {
    return none;
  }
  const hit = scanned.get(file);
  if (hit && hit.mtimeMs === mtimeMs) return hit;
  let t = transpilers.get(loader);
  if (!t) transpilers.set(loader, (t = new Bun.Transpiler({ loader })));
  let specs: string[] = [];
  try {
    specs = t.scanImports(fs().readFileSync(file, 'utf8')).map((i) => i.path);
  } catch {
    specs = []; // a file that does not parse imports nothing we can know of
  }
  const imports: string[] = [];
  const packages: string[] = [];
  for (const p of specs) {
    if (/^(\.{1,2}\/|\/)/.test(p)) {
      const path = resolveSpecifier(file, p);
      if (path !== null) imports.push(path);
    } else if (p === 'parproc') {
      // The running parproc (self-module.ts), even where a tsconfig `paths` entry aliases it to
      // sources (parproc's own checkout does): never a module of the project's to follow.
      packages.push(p);
    } else if (!/^(node:|bun:|bun$)/.test(p) && !isBuiltin(p.split('/')[0] as string)) {
      const path = resolveAlias(file, p) ?? resolveWorkspace(file, p);
      if (path !== null) imports.push(path);
      else packages.push(p);
    }
  }
  const entry = { mtimeMs, imports, packages };
  scanned.set(file, entry);
  return entry;
}

function importsOf(file: string): string[] {
  return scan(file).imports;
}

/**
 * Whether `file` imports or requires by a computed name (`import(name)`, `require(dir + f)`, or
 * through `createRequire`), which no scan can follow. A comment that reads like one counts too: the answer errs towards yes.
 */
export function importsByComputedName(file: string): boolean {
  try {
    const src = fs().readFileSync(file, 'utf8');
    return src.includes('createRequire') || /\b(?:import|require)\s*\(\s*(?!(['"])[^'"\n]*\1\s*[,)])/.test(src);
  } catch {
    return true;
  }
}

/** The packages `file` imports, as written (`react`, `@scope/pkg/sub`); not built-ins. */
export function packageImports(file: string): string[] {
  return scan(file).packages;
}

/**
 * A task file and the project's modules it imports, transitively, wherever they are (a helper in
 * `../lib`, a workspace package): everything but installed packages and built-ins.
 */
export function projectModules(file: string): string[] {
  return [file, ...trackedImports([file], ['/'])];
}

/** First-party modules imported (transitively) by `files`, excluding the files themselves. */
export function trackedImports(files: readonly string[], roots: readonly string[]): string[] {
  const absRoots = roots.map((r) => resolve(r));
  const under = (p: string) =>
    !p.split(sep).includes('node_modules') && absRoots.some((r) => p === r || p.startsWith(r.endsWith(sep) ? r : r + sep));
  const seen = new Set(files);
  const out: string[] = [];
  const queue = [...files];
  for (let i = 0; i < queue.length; i++) {
    for (const dep of importsOf(queue[i] as string)) {
      if (seen.has(dep) || !under(dep)) continue;
      seen.add(dep);
      out.push(dep);
      queue.push(dep);
    }
  }
  return out;
}
