// Builds the standalone executable: `bun run build.ts [--target bun-linux-x64 …] [--outfile path]`.
// Everything after the script name passes through to `bun build --compile`.
import { join } from 'node:path';

const extra = process.argv.slice(2);
const outfile = extra.includes('--outfile') ? [] : ['--outfile', join(import.meta.dir, 'dist', 'parproc')];
const cmd = [process.execPath, 'build', '--compile', '--minify', '--sourcemap', join(import.meta.dir, 'src', 'cli.ts'), ...outfile, ...extra];
const proc = Bun.spawnSync(cmd, { stdout: 'inherit', stderr: 'inherit' });
if (proc.exitCode !== 0) {
  console.error(`build failed: ${cmd.join(' ')}`);
  process.exit(proc.exitCode ?? 1);
}
