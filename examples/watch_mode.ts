// Procs with declared inputs, for watch mode: `parproc -f examples/watch_mode.ts --watch` re-runs
// what changed (watch mode comes in a later version; without --watch this is a plain run).
// Run: bun examples/watch_mode.ts   or   parproc -f examples/watch_mode.ts
import { proc, waitForAll } from 'parproc';

proc('lint', { now: true, inputs: ['examples/*.ts'] }, async (ctx) => {
  const { stdout } = await ctx.$`ls examples`;
  return stdout.split('\n').filter((f) => f.endsWith('.ts')).length;
});

proc('test', { now: true, deps: ['lint'], inputs: ['examples/*.ts'] }, (ctx) => `checked ${ctx.results.lint} files`);

if (import.meta.main) await waitForAll();
