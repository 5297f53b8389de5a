/** The child process's script under bun (bundled with bytecode on first use by the process runner). */
import { runChild } from './child-entry.ts';

runChild();
