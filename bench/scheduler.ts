// W1–W3 and scaling: the scheduler with inline procs, registration included.
// Run: bun bench/scheduler.ts [--quick]
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { benchDir } from './bench-dir.ts';
import { ProcManager } from '../src/index.ts';

const quick = process.argv.includes('--quick');
const logRoot = benchDir('sched');
let runNo = 0;
const manager = (parallel = 100) => new ProcManager({ display: false, parallel, logDir: join(logRoot, String(++runNo)) });

async function fanOut(n: number): Promise<number> {
  const t0 = performance.now();
  const pm = manager(100);
  const names: string[] = [];
  for (let i = 0; i < n; i++) names.push(pm.proc(`p${i}`, () => i));
  pm.start(names);
  await pm.waitForAll();
  return performance.now() - t0;
}

async function chain(n: number): Promise<number> {
  const t0 = performance.now();
  const pm = manager(100);
  pm.proc('c0', () => 0);
  for (let i = 1; i < n; i++) pm.proc(`c${i}`, { deps: [`c${i - 1}`] }, () => i);
  pm.start(`c${n - 1}`);
  await pm.waitForAll();
  return performance.now() - t0;
}

async function layered(layers: number, width: number): Promise<number> {
  const t0 = performance.now();
  const pm = manager(100);
  let prev: string[] = [];
  for (let l = 0; l < layers; l++) {
    const cur: string[] = [];
    for (let w = 0; w < width; w++) cur.push(pm.proc(`l${l}-${w}`, { deps: prev }, () => w));
    prev = cur;
  }
  pm.start(prev);
  await pm.waitForAll();
  return performance.now() - t0;
}

async function best(fn: () => Promise<number>, runs = quick ? 1 : 3): Promise<number> {
  let min = Infinity;
  for (let i = 0; i < runs; i++) min = Math.min(min, await fn());
  return min;
}

const fmt = (ms: number) => `${ms.toFixed(0)} ms`;
const rows: [string, string, string][] = [];
await fanOut(2_000); // warm-up (JIT)
const w1 = await best(() => fanOut(10_000));
rows.push(['W1 fan-out 10,000 inline procs, parallel 100', fmt(w1), `${((w1 * 1000) / 10_000).toFixed(1)} µs/proc (target < 500 ms)`]);
const w1x2 = await best(() => fanOut(20_000));
rows.push(['    fan-out 20,000', fmt(w1x2), `×${(w1x2 / w1).toFixed(2)} for 2N`]);
const w2 = await best(() => chain(10_000));
rows.push(['W2 chain of 10,000', fmt(w2), 'target < 500 ms']);
const w2x2 = await best(() => chain(20_000));
rows.push(['    chain of 20,000', fmt(w2x2), `×${(w2x2 / w2).toFixed(2)} for 2N`]);
const w100k = await best(() => chain(100_000), 1);
rows.push(['    chain of 100,000', fmt(w100k), 'completes (no recursion)']);
Bun.gc(true);
const rssBefore = process.memoryUsage().rss;
const w3 = await best(() => layered(100, 100), 1);
const rss = process.memoryUsage().rss;
rows.push(['W3 layered 100 × 100, 1,000,000 edges', fmt(w3), `rss ${(rss / 2 ** 20).toFixed(0)} MiB (was ${(rssBefore / 2 ** 20).toFixed(0)}; target < 5 s, < 1 GB)`]);

for (const [name, value, note] of rows) console.log(`${name.padEnd(48)} ${value.padStart(9)}   ${note}`);
rmSync(logRoot, { recursive: true, force: true });
