// Worker and process modes (issue 9), each timed as a whole `bun` process, side by side with
// inline mode in one run; min/median/max over runs.
//   cpu:     4 procs of ~1 s busy loop at parallel 2 (2 cores): worker and process ≤ 0.6× inline
//   trivial: 1,000 trivial procs; worker per-proc overhead (warm pool) ≤ 1 ms
//   spawn:   200 trivial procs at parallel 8 in process mode ≤ 2.3 s (the original: 11.5 s)
// Run: bun bench/modes.ts [runs]   (one scenario: bun bench/modes.ts run <scenario> <mode>)
// The procs are defined in bench/modes-procs.ts, which workers and children import again.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { benchDir } from './bench-dir.ts';
import { pm } from './modes-procs.ts';

type Scenario = 'cpu' | 'trivial' | 'spawn';
type Mode = 'inline' | 'worker' | 'process';

/** One scenario in this process; prints JSON timings. */
async function runScenario(scenario: Scenario, mode: Mode): Promise<void> {
  const dir = benchDir(`modes-${scenario}`);
  pm.setOptions({ mode, logDir: join(dir, 'logs'), parallel: scenario === 'cpu' ? 2 : 8 });
  const names =
    scenario === 'cpu' ? ['cpu0', 'cpu1', 'cpu2', 'cpu3'] : Array.from({ length: scenario === 'spawn' ? 200 : 1000 }, (_, i) => `t${i}`);
  if (scenario === 'trivial') {
    // Warm the pool first: the first 16 procs start the workers; the rest is the steady state.
    const warm = names.slice(0, 16);
    pm.start(warm);
    await pm.waitForAll();
    const rest = names.slice(16);
    const t0 = performance.now();
    pm.start(rest);
    await pm.waitForAll();
    process.stdout.write(JSON.stringify({ perProcMs: (performance.now() - t0) / rest.length }));
  } else {
    pm.start(names);
    await pm.waitForAll();
  }
  pm.close();
  rmSync(dir, { recursive: true, force: true });
  if (process.env.BENCH_CPU) {
    const u = process.cpuUsage();
    process.stderr.write(`parent cpu: user ${(u.user / 1000).toFixed(0)} ms, system ${(u.system / 1000).toFixed(0)} ms\n`);
  }
}

async function timeProcess(args: string[]): Promise<{ ms: number; out: string }> {
  const t0 = performance.now();
  const procs = args[0] === 'spawn' ? '200' : '1000';
  const p = Bun.spawn([process.execPath, import.meta.path, 'run', ...args, ...process.argv.filter((a) => a === '--shm')], {
    stdout: 'pipe',
    stderr: 'inherit',
    env: { ...process.env, BENCH_PROCS: procs },
  });
  const out = await new Response(p.stdout).text();
  if ((await p.exited) !== 0) throw new Error(`bench run ${args.join(' ')} failed`);
  return { ms: performance.now() - t0, out };
}

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { min: s[0] as number, median: s[Math.floor(s.length / 2)] as number, max: s[s.length - 1] as number };
};
const fmt = (x: { min: number; median: number; max: number }, unit = 'ms', digits = 0) =>
  `${x.median.toFixed(digits)} ${unit} (min ${x.min.toFixed(digits)}, max ${x.max.toFixed(digits)})`;

async function main(): Promise<void> {
  const runs = Number(process.argv[2] ?? 5);
  const cpu: Record<Mode, number[]> = { inline: [], worker: [], process: [] };
  const trivial: Record<Mode, number[]> = { inline: [], worker: [], process: [] };
  const spawn: number[] = [];
  for (let r = 0; r < runs; r++) {
    for (const mode of ['inline', 'worker', 'process'] as const) cpu[mode].push((await timeProcess(['cpu', mode])).ms);
    for (const mode of ['inline', 'worker'] as const) trivial[mode].push(JSON.parse((await timeProcess(['trivial', mode])).out).perProcMs);
    spawn.push((await timeProcess(['spawn', 'process'])).ms);
  }
  const c = { inline: stats(cpu.inline), worker: stats(cpu.worker), process: stats(cpu.process) };
  console.log(`CPU-bound: 4 procs × ~1 s busy loop, parallel 2, whole process (median of ${runs})`);
  console.log(`  inline   ${fmt(c.inline)}`);
  console.log(`  worker   ${fmt(c.worker)}   ×${(c.worker.median / c.inline.median).toFixed(2)} of inline (target ≤ 0.6)`);
  console.log(`  process  ${fmt(c.process)}   ×${(c.process.median / c.inline.median).toFixed(2)} of inline (target ≤ 0.6)`);
  const ti = stats(trivial.inline);
  const tw = stats(trivial.worker);
  console.log(`Trivial procs, warm pool, parallel 8: per proc`);
  console.log(`  inline   ${fmt(ti, 'ms', 3)}`);
  console.log(`  worker   ${fmt(tw, 'ms', 3)}   overhead ${(tw.median - ti.median).toFixed(3)} ms per proc (target ≤ 1 ms)`);
  const sp = stats(spawn);
  console.log(`Process mode: 200 trivial procs, parallel 8, whole process`);
  console.log(`  process  ${fmt(sp)}   ${(sp.median / 200).toFixed(1)} ms per proc (target ≤ 2300 ms; the original's multiprocessing: 11.5 s)`);
}

if (import.meta.main) {
  if (process.argv[2] === 'run') await runScenario(process.argv[3] as Scenario, process.argv[4] as Mode);
  else await main();
}
