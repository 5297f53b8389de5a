// Watch mode (issue 10), on the real disk: 10,000 files under the watched roots (100 directories
// of 100), one proc per directory. Measures arming time, idle CPU while watching, and the latency
// from a file write to the affected proc's start over 20 edits (median; target ≤ watchDebounce +
// 50 ms), with min/median/max.
// Run: bun bench/watch.ts [--shm]
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ProcManager, type RunEvent } from '../src/index.ts';
import { benchDir } from './bench-dir.ts';

const DIRS = 100;
const FILES = 100;
const EDITS = 20;
const DEBOUNCE = 0.1;

const dir = benchDir('watch');
for (let d = 0; d < DIRS; d++) {
  mkdirSync(join(dir, `d${d}`), { recursive: true });
  for (let f = 0; f < FILES; f++) writeFileSync(join(dir, `d${d}`, `f${f}.txt`), 'x');
}
process.chdir(dir);
const pm = new ProcManager({ display: false, watch: true, watchDebounce: DEBOUNCE, logDir: join(dir, 'logs') });
for (let d = 0; d < DIRS; d++) pm.proc(`p${d}`, { inputs: [`d${d}/*.txt`] }, () => d);
pm.start(Array.from({ length: DIRS }, (_, d) => `p${d}`));
await pm.waitForAll();

const next = (pred: (e: RunEvent) => boolean) =>
  new Promise<RunEvent>((resolve) => {
    const off = pm.onEvent((e) => {
      if (pred(e)) {
        off();
        resolve(e);
      }
    });
  });

const ac = new AbortController();
const t0 = performance.now();
const ready = next((e) => e.type === 'watch-ready');
const watching = pm.watch(undefined, { signal: ac.signal });
await ready;
const armMs = performance.now() - t0;

const cpu0 = process.cpuUsage();
await Bun.sleep(2000);
const idle = process.cpuUsage(cpu0);
const idleCpuMs = (idle.user + idle.system) / 1000;

const latencies: number[] = [];
for (let i = 0; i < EDITS; i++) {
  const d = (i * 37) % DIRS;
  const started = next((e) => e.type === 'proc-state' && e.name === `p${d}` && e.state === 'running');
  const ended = next((e) => e.type === 'run-end');
  const w = performance.now();
  writeFileSync(join(dir, `d${d}`, `f${i}.txt`), `edit ${i}`);
  await started;
  latencies.push(performance.now() - w);
  await ended;
}
ac.abort();
await watching;
pm.close();
rmSync(dir, { recursive: true, force: true });

latencies.sort((a, b) => a - b);
const median = latencies[Math.floor(latencies.length / 2)] as number;
console.log(`watch: ${DIRS * FILES} files in ${DIRS} dirs, watchDebounce ${DEBOUNCE * 1000} ms (${dir.startsWith('/dev/shm') ? 'tmpfs' : 'disk'})`);
console.log(`  arming                     ${armMs.toFixed(0)} ms   (target < 1000 ms)`);
console.log(`  idle CPU over 2 s          ${idleCpuMs.toFixed(1)} ms   (target ~0)`);
console.log(`  write → proc start, ${EDITS} edits: median ${median.toFixed(0)} ms (min ${latencies[0]?.toFixed(0)}, max ${latencies.at(-1)?.toFixed(0)})   target ≤ ${DEBOUNCE * 1000 + 50} ms`);
