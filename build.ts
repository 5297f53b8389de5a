// Builds the standalone executable: `bun run build.ts [--target bun-linux-x64 …] [--outfile path]`.
// Everything after the script name passes through to `bun build --compile`. The worker script of
// `mode: 'worker'` is a second entry point, so the binary can start Bun Workers from itself.
import { join } from 'node:path';

const extra = process.argv.slice(2);
const outfile = extra.includes('--outfile') ? [] : ['--outfile', join(import.meta.dir, 'dist', 'parproc')];
// Bytecode (ESM) halves start-up: the bundle is not parsed at each launch.
const cmd = [process.execPath, 'build', '--compile', '--minify', '--bytecode', '--format=esm', '--sourcemap', join(import.meta.dir, 'src', 'cli.ts'), join(import.meta.dir, 'src', 'runners', 'worker-entry.ts'), ...outfile, ...extra];
const proc = Bun.spawnSync(cmd, { stdout: 'inherit', stderr: 'inherit' });
if (proc.exitCode !== 0) {
  console.error(`build failed: ${cmd.join(' ')}`);
  process.exit(proc.exitCode ?? 1);
}
