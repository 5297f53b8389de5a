// A failing proc cancels everything downstream (failed-dep) while an independent branch
// finishes. Exits 1.
// Run: bun examples/failed_deps.ts   or   parproc -f examples/failed_deps.ts
import { ProcFailedError, proc, waitForAll } from 'parproc';

proc('compile', { now: true }, async () => {
  await Bun.sleep(50);
  throw new ProcFailedError('compile error in main.ts');
});

proc('test', { now: true, deps: ['compile'] }, () => 'tested');
proc('package', { now: true, deps: ['test'] }, () => 'packaged');

proc('docs', { now: true }, async () => {
  await Bun.sleep(100);
  return 'docs built';
});

if (import.meta.main) process.exitCode = (await waitForAll({ throwOnFailure: false })) ? 0 : 1;
