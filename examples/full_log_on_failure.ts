// With fullLogOnFailure the whole log of a failed proc is printed, not just its end. Exits 1.
// Run: bun examples/full_log_on_failure.ts   or   parproc -f examples/full_log_on_failure.ts
import { proc, setOptions, waitForAll } from 'parproc';

setOptions({ fullLogOnFailure: true });

proc('migrate', { now: true }, async (ctx) => {
  for (let i = 1; i <= 5; i++) ctx.log(`applying migration ${i}/5`);
  await ctx.$`echo "error: migration 6 conflicts with a manual change" >&2; exit 3`;
});

if (import.meta.main) process.exitCode = (await waitForAll({ throwOnFailure: false })) ? 0 : 1;
