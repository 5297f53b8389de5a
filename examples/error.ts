// A proc throws: it ends failed with its stack in its log, the others still finish, and the
// run exits 1.
// Run: bun examples/error.ts   or   parproc -f examples/error.ts
import { proc, waitForAll } from 'parproc';

proc('fine', { now: true }, async (ctx) => {
  ctx.log('working…');
  await Bun.sleep(100);
});

proc('broken', { now: true }, async () => {
  await Bun.sleep(50);
  throw new Error('something went wrong in broken');
});

if (import.meta.main) process.exitCode = (await waitForAll({ throwOnFailure: false })) ? 0 : 1;
