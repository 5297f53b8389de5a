// Builds the standalone executable: `bun run build.ts [--target bun-linux-x64 …] [--outfile path]`.
// Everything after the script name passes through to `bun build --compile`. The worker script of
// `mode: 'worker'` is a second entry point, so the binary can start Bun Workers from itself, and
// the library's declaration files are embedded for `parproc types`.
// `bun run build.ts --lib` builds the library for packing instead (package.json "prepack"):
// dist/lib (CommonJS with bytecode, which `import 'parproc'` loads in a few ms) and dist/types
// (declaration files, so a user's compiler never compiles parproc's sources).
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { JIT_AT_START } from './src/cli/jit-policy.ts';

const root = import.meta.dir;

function run(cmd: string[]): void {
  const proc = Bun.spawnSync(cmd, { stdout: 'inherit', stderr: 'inherit', cwd: root });
  if (proc.exitCode !== 0) {
    console.error(`build failed: ${cmd.join(' ')}`);
    process.exit(proc.exitCode ?? 1);
  }
}

const newest = (dir: string): number =>
  Math.max(0, ...(readdirSync(dir, { recursive: true }) as string[]).map((f) => statSync(join(dir, f)).mtimeMs));

/** dist/types (tsc's declaration files), made again when a source is newer. */
function declarations(): string {
  const out = join(root, 'dist', 'types');
  if (!existsSync(join(out, 'index.d.ts')) || newest(join(root, 'src')) > newest(out)) {
    run([process.execPath, join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.types.json')]);
  }
  return out;
}

const extra = process.argv.slice(2);
if (extra.includes('--lib')) {
  run([process.execPath, 'build', '--target=bun', '--format=cjs', '--bytecode', '--minify', '--outdir', join(root, 'dist', 'lib'), join(root, 'src', 'index.ts')]);
  declarations();
} else {
  // The declaration files as one JSON object (path → text), bundled into the binary.
  const types = declarations();
  const files = Object.fromEntries(
    (readdirSync(types, { recursive: true }) as string[]).filter((f) => f.endsWith('.d.ts')).map((f) => [relative(types, join(types, f)), readFileSync(join(types, f), 'utf8')]),
  );
  writeFileSync(join(root, 'dist', 'types.json'), JSON.stringify(files));
  // Each build names its chunks' source maps afresh: the previous build's are removed first.
  for (const f of readdirSync(join(root, 'dist'))) if (f.endsWith('.js.map')) rmSync(join(root, 'dist', f));
  const outfile = extra.includes('--outfile') ? [] : ['--outfile', join(root, 'dist', 'parproc')];
  // Bytecode (ESM) halves start-up: the bundle is not parsed at each launch; with splitting, each
  // command's code is a chunk of its own, loaded when that command runs (--version: 30 → 21 ms).
  // The JIT starts reluctant (src/cli/jit-policy.ts: a run still going after 50 ms gets the normal one).
  // A task file imports packages from its project's node_modules and may use tsconfig `paths`: a
  // compiled Bun resolves neither unless it reads package.json and tsconfig.json files at run time.
  const resolving = ['--compile-autoload-package-json', '--compile-autoload-tsconfig'];
  run([process.execPath, 'build', '--compile', '--minify', '--bytecode', '--format=esm', '--splitting', '--sourcemap', `--compile-jit-policy=${JIT_AT_START}`, ...resolving, join(root, 'src', 'cli.ts'), join(root, 'src', 'runners', 'worker-entry.ts'), ...outfile, ...extra]);
}
