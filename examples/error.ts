// A proc throws: it ends failed with its stack in its log, the others still finish, and
// waitForAll reports the failure. Exits 1.
// Run: bun examples/error.ts
import { ProcessError, proc, waitForAll } from 'parproc';

proc('fine', { now: true }, async (ctx) => {
  ctx.log('working…');
  await Bun.sleep(100);
});

proc('broken', { now: true }, async () => {
  await Bun.sleep(50);
  throw new Error('something went wrong in broken');
});

try {
  await waitForAll();
} catch (err) {
  if (!(err instanceof ProcessError)) throw err;
  process.exitCode = 1;
}
