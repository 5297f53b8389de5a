/**
 * `trackImports`: the first-party modules TS/JS inputs import, transitively. Specifiers come from
 * Bun.Transpiler's import scanner (not regexes); only relative and absolute specifiers that land
 * under an import root count — not packages (node_modules), not `node:`/`bun:` built-ins.
 */
import { dirname, extname, resolve, sep } from '../util/path.ts';
import { fs } from '../util/fs.ts';

const LOADERS: Record<string, 'ts' | 'tsx' | 'js' | 'jsx'> = {
  '.ts': 'ts', '.mts': 'ts', '.cts': 'ts', '.tsx': 'tsx', '.js': 'js', '.mjs': 'js', '.cjs': 'js', '.jsx': 'jsx',
};
const TRY_EXTENSIONS = ['', '.ts', '.tsx', '.mts', '.js', '.mjs', '.jsx', '.cts', '.cjs'];

/** Scan results by file, reused while the file's mtime is unchanged. */
const scanned = new Map<string, { mtimeMs: number; imports: string[] }>();
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

function importsOf(file: string): string[] {
  const loader = LOADERS[extname(file)];
  if (!loader) return [];
  let mtimeMs: number;
  try {
    mtimeMs = fs().statSync(file).mtimeMs;
  } catch {
    return [];
  }
  const hit = scanned.get(file);
  if (hit && hit.mtimeMs === mtimeMs) return hit.imports;
  let t = transpilers.get(loader);
  if (!t) transpilers.set(loader, (t = new Bun.Transpiler({ loader })));
  let imports: string[] = [];
  try {
    imports = t
      .scanImports(fs().readFileSync(file, 'utf8'))
      .map((i) => resolveSpecifier(file, i.path))
      .filter((p): p is string => p !== null);
  } catch {
    imports = []; // a file that does not parse imports nothing we can know of
  }
  scanned.set(file, { mtimeMs, imports });
  return imports;
}

/** First-party modules imported (transitively) by `files`, excluding the files themselves. */
export function trackedImports(files: readonly string[], roots: readonly string[]): string[] {
  const absRoots = roots.map((r) => resolve(r));
  const under = (p: string) =>
    !p.split(sep).includes('node_modules') && absRoots.some((r) => p === r || p.startsWith(r + sep));
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
