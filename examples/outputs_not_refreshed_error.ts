// A proc declares an output it never writes: after it "succeeds" parproc checks the output and
// fails it with 'outputs-not-refreshed', listing the path. Exits 1.
// Run: bun examples/outputs_not_refreshed_error.ts   or   parproc -f examples/outputs_not_refreshed_error.ts
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { proc, waitForAll } from 'parproc';

const out = join(tmpdir(), `parproc-example-never-written-${process.pid}.js`);

proc('bundle', { now: true, outputs: [out] }, (ctx) => {
  ctx.log(`pretending to write ${out}`);
});

if (import.meta.main) process.exitCode = (await waitForAll({ throwOnFailure: false })) ? 0 : 1;
