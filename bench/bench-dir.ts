/**
 * Where benchmarks write logs and files: on the project's real disk (bench/.tmp), where users
 * run. Creating a file on this VM's disk costs from 20 µs to over 1 ms depending on the moment
 * (bench/file-create.ts) — a real cost, so it is measured. `--shm` puts them on tmpfs (/dev/shm)
 * for comparison.
 */
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';

export function benchDir(prefix: string): string {
  const base = process.argv.includes('--shm') && existsSync('/dev/shm') ? '/dev/shm' : join(import.meta.dir, '.tmp');
  mkdirSync(base, { recursive: true });
  return mkdtempSync(join(base, `parproc-${prefix}-`));
}
