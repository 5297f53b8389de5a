/**
 * Where benchmarks write logs and files. File *creation* on this VM's ext4 disk costs from 20 µs to
 * over 1 ms per file depending on the moment (measured with bench/file-create.ts), which would
 * swamp what the benchmarks measure; so by default they use tmpfs (/dev/shm) when it exists.
 * `--disk` puts them in bench/.tmp on the project's disk instead.
 */
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';

export function benchDir(prefix: string): string {
  const base = !process.argv.includes('--disk') && existsSync('/dev/shm') ? '/dev/shm' : join(import.meta.dir, '.tmp');
  mkdirSync(base, { recursive: true });
  return mkdtempSync(join(base, `parproc-${prefix}-`));
}
