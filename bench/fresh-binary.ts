/**
 * The compiled binary, built at every benchmark run: the binary measured is the code as it is
 * (not one left from an earlier build), and its file is fresh, as after an install. On this VM
 * (it runs DAMON, which pages cold memory out) a binary file unused for a while runs slower: a
 * one-command run of a 25-minute-old dist/parproc took 14.0 ms where a fresh copy of the same
 * bytes took 12.2 ms (after 300 more runs of the old file: 15.0 against 13.1 ms). `bun`, which
 * everything here runs, stays hot.
 */
import { join } from 'node:path';

export function freshBinary(): string {
  const root = join(import.meta.dir, '..');
  const built = Bun.spawnSync([process.execPath, 'run', join(root, 'build.ts')], { stdout: 'pipe', stderr: 'inherit' });
  if (built.exitCode !== 0) throw new Error('bun run build.ts failed');
  return join(root, 'dist', 'parproc');
}
