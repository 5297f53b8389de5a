// Command procs: 1,000 independent `true` commands at parallel 8, against `make -j8` on the
// equivalent Makefile, timed in one script. Target: parproc within 1.2× of make.
// Run: bun bench/commands.ts [N]
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { benchDir } from './bench-dir.ts';
import { ProcManager } from '../src/index.ts';

const n = Number(process.argv[2] ?? 1000);
const dir = benchDir('cmd');
const targets = Array.from({ length: n }, (_, i) => `t${i}`);
writeFileSync(
  join(dir, 'Makefile'),
  `.PHONY: all ${targets.join(' ')}\nall: ${targets.join(' ')}\n${targets.map((t) => `${t}:\n\t@true\n`).join('')}`,
);

async function timeMake(): Promise<number> {
  const t0 = performance.now();
  const p = Bun.spawn(['make', '-s', '-j8', '-C', dir, 'all'], { stdout: 'ignore', stderr: 'inherit' });
  if ((await p.exited) !== 0) throw new Error('make failed');
  return performance.now() - t0;
}

let run = 0;
async function timeParproc(kind: 'argv' | 'shell'): Promise<number> {
  const t0 = performance.now();
  const pm = new ProcManager({ display: false, parallel: 8, logDir: join(dir, `logs-${++run}`) });
  for (const t of targets) pm.proc(t, kind === 'argv' ? ['true'] : 'true');
  pm.start(targets);
  await pm.waitForAll();
  return performance.now() - t0;
}

/** The floor: the same spawns straight through Bun.spawn, eight at a time, output piped. */
async function timeRawSpawn(): Promise<number> {
  const t0 = performance.now();
  let i = 0;
  const drain = async (s: ReadableStream<Uint8Array>) => {
    for await (const _ of s);
  };
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (i++ < n) {
        const p = Bun.spawn(['true'], { stdin: 'ignore', stdout: 'pipe', stderr: 'pipe' });
        await Promise.all([drain(p.stdout), drain(p.stderr), p.exited]);
      }
    }),
  );
  return performance.now() - t0;
}

const best = async (f: () => Promise<number>) => Math.min(await f(), await f(), await f());
const make = await best(timeMake);
const raw = await best(timeRawSpawn);
const argv = await best(() => timeParproc('argv'));
const shell = await best(() => timeParproc('shell'));
console.log(`${n} commands, parallel 8 (best of 3)`);
console.log(`make -j8                 ${make.toFixed(0).padStart(6)} ms`);
console.log(`raw Bun.spawn loop       ${raw.toFixed(0).padStart(6)} ms   ×${(raw / make).toFixed(2)} of make (the floor)`);
console.log(`parproc ['true'] (argv)  ${argv.toFixed(0).padStart(6)} ms   ×${(argv / make).toFixed(2)} of make`);
console.log(`parproc 'true' (sh -c)   ${shell.toFixed(0).padStart(6)} ms   ×${(shell / make).toFixed(2)} of make`);
rmSync(dir, { recursive: true, force: true });
