// Three procs start at once; func2 waits for func0 and func1. Everything succeeds.
// Run: bun examples/success.ts   or   parproc -f examples/success.ts
import { proc, waitForAll } from 'parproc';

proc('func0', { now: true }, async () => {
  await Bun.sleep(100);
});

proc('func1', { now: true }, async () => {
  await Bun.sleep(300);
});

proc('func2', { now: true, deps: ['func0', 'func1'] }, async () => {
  await Bun.sleep(200);
  return 'done';
});

// As a script, wait here; under the CLI, parproc runs the now: true procs itself.
if (import.meta.main) await waitForAll();
