// The procs of bench/modes.ts, in a module of their own: workers and children import it again to
// find them, so it imports nothing but parproc (a real task file's cost, not the harness's).
import { ProcManager } from 'parproc';

export const pm = new ProcManager({ display: false });
for (let i = 0; i < 4; i++) {
  pm.proc(`cpu${i}`, () => {
    const end = performance.now() + 1000;
    let x = 0;
    while (performance.now() < end) x++;
    return x > 0;
  });
}
// As many trivial procs as the scenario runs (a task file of that size); workers and children
// inherit BENCH_PROCS, so their import registers the same procs.
const trivialCount = Number(process.env.BENCH_PROCS ?? 1000);
for (let i = 0; i < trivialCount; i++) pm.proc(`t${i}`, () => i);
