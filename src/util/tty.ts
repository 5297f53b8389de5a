/**
 * Whether a file descriptor is a terminal, without touching `process.stdout` (its first use costs
 * Bun ~15 ms): a character device that is not one of the memory devices (/dev/null, /dev/zero:
 * major 1). Terminals and pseudo-terminals are character devices of other majors.
 */
import { fs } from './fs.ts';

export function isTerminal(fd: number): boolean {
  try {
    const st = fs().fstatSync(fd);
    return st.isCharacterDevice() && st.rdev >> 8 !== 1;
  } catch {
    return false;
  }
}
