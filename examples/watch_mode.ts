// Procs with declared inputs, for watch mode: `parproc -f examples/watch_mode.ts --watch` re-runs
// what changed (without --watch this is a plain run). Paths are relative to this file, so it runs
// from any directory.
// Run: bun examples/watch_mode.ts   or   parproc -f examples/watch_mode.ts
import { proc, waitForAll } from 'parproc';

const here = import.meta.dir;

proc('lint', { now: true, inputs: [`${here}/*.ts`] }, async (ctx) => {
  const { stdout } = await ctx.exec(['ls', here]);
  return stdout.split('\n').filter((f) => f.endsWith('.ts')).length;
});

proc('test', { now: true, deps: ['lint'], inputs: [`${here}/*.ts`] }, (ctx) => `checked ${ctx.results.lint} files`);

if (import.meta.main) await waitForAll();
