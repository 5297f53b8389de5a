// A proc that prints 100,000 lines: its output goes to its log file, not the terminal, and the
// run stays fast.
// Run: bun examples/long_output.ts   or   parproc -f examples/long_output.ts
import { proc, waitForAll } from 'parproc';

proc('chatty', { now: true }, async (ctx) => {
  await ctx.$`seq 1 100000`;
  return 'printed 100000 lines';
});

proc('quiet', { now: true }, () => 'nothing to say');

if (import.meta.main) await waitForAll();
