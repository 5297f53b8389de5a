/**
 * Fresh executables for the benchmarks that run whole processes. On this VM (it runs DAMON,
 * which pages cold memory out) an executable file that went unused for a while starts slower than
 * a fresh copy of the same bytes: a one-command run of a 25-minute-old dist/parproc took 14.0 ms
 * against 12.2 ms for a copy, and `bun` with an empty file 4.8–5.0 ms as installed against
 * 4.1–4.3 ms for a copy (medians of 30–40 interleaved runs). So both sides of a comparison run from
 * fresh files: dist/parproc is built at every run (which also makes it the code as it is, not a
 * binary an earlier build left), and `bun` runs from a copy made at the start.
 */
import { chmodSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';

/** Builds dist/parproc; its path. */
export function freshBinary(): string {
  const root = join(import.meta.dir, '..');
  const built = Bun.spawnSync([process.execPath, 'run', join(root, 'build.ts')], { stdout: 'pipe', stderr: 'inherit' });
  if (built.exitCode !== 0) throw new Error('bun run build.ts failed');
  return join(root, 'dist', 'parproc');
}

/** A copy of the running `bun` in `dir`; its path. */
export function freshBun(dir: string): string {
  const copy = join(dir, 'bun');
  copyFileSync(process.execPath, copy);
  chmodSync(copy, 0o755);
  return copy;
}
