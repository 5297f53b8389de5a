// Builds the standalone executable: `bun run build.ts [--target bun-linux-x64 …] [--outfile path]`.
// Everything after the script name passes through to `bun build --compile`. The worker script of
// `mode: 'worker'` is a second entry point, so the binary can start Bun Workers from itself.
// `bun run build.ts --lib` builds only the library bundle instead (dist/lib: CommonJS with
// bytecode, which `import 'parproc'` loads in a few ms; packing the package runs it, see
// package.json "prepack"). The repository itself resolves 'parproc' to the sources (index.js).
import { join } from 'node:path';

function run(cmd: string[]): void {
  const proc = Bun.spawnSync(cmd, { stdout: 'inherit', stderr: 'inherit' });
  if (proc.exitCode !== 0) {
    console.error(`build failed: ${cmd.join(' ')}`);
    process.exit(proc.exitCode ?? 1);
  }
}

const extra = process.argv.slice(2);
if (extra.includes('--lib')) {
  run([process.execPath, 'build', '--target=bun', '--format=cjs', '--bytecode', '--minify', '--outdir', join(import.meta.dir, 'dist', 'lib'), join(import.meta.dir, 'src', 'index.ts')]);
} else {
  const outfile = extra.includes('--outfile') ? [] : ['--outfile', join(import.meta.dir, 'dist', 'parproc')];
  // Bytecode (ESM) halves start-up: the bundle is not parsed at each launch.
  run([process.execPath, 'build', '--compile', '--minify', '--bytecode', '--format=esm', '--sourcemap', join(import.meta.dir, 'src', 'cli.ts'), join(import.meta.dir, 'src', 'runners', 'worker-entry.ts'), ...outfile, ...extra]);
}
