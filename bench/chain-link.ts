// A command taken apart (issue 11, rows C and B of vs-make.ts): 1,000 `true` as parproc argv procs,
// in a chain and 8 at a time, each beside a bare Bun.spawn loop that spawns as parproc does (the
// environment, its own process group, output to a reused anonymous file). Bun.spawn is wrapped in
// all four to time, per command:
//   spawn    the synchronous time in Bun.spawn (the JS thread waits until the child has exec'd)
//   life     from Bun.spawn's return to the exit seen by a reaction on `exited`
//   gap      from that reaction to the next Bun.spawn: what the runner does between two commands
//            (the chain only: 8 at a time, the next spawn may follow another command's exit)
//   outside  8 at a time only: the JS thread's time from the first spawn to exit, less the time
//            in Bun.spawn (in a chain that time is mostly spent waiting for the command)
//   setup    from the first line of the script to the first spawn (import, registration), ms
// Whole `bun` processes, alternating, on the real disk (bench/.tmp); the median of each over runs.
// Run: bun bench/chain-link.ts [runs=5] [--shm]
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { benchDir } from './bench-dir.ts';

const runs = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 5);
const root = join(import.meta.dir, '..');
const dir = benchDir('chain-link');
const N = 1000;

writeFileSync(
  join(dir, 'timing.ts'),
  `const spawn = Bun.spawn;
const start = performance.now();
let inSpawn = 0, life = 0, gap = 0, lastExit = 0, n = 0, first = 0;
(Bun as { spawn: unknown }).spawn = (...a: unknown[]) => {
  const t0 = performance.now();
  if (!first) first = t0;
  if (lastExit) gap += t0 - lastExit;
  const p = (spawn as (...x: unknown[]) => { exited: Promise<unknown> })(...a);
  const t1 = performance.now();
  inSpawn += t1 - t0;
  n++;
  p.exited.then(() => { lastExit = performance.now(); life += lastExit - t1; });
  return p;
};
process.on('exit', () => {
  const outside = performance.now() - first - inSpawn;
  console.error(JSON.stringify({ n, spawn: (inSpawn / n) * 1000, life: (life / n) * 1000, gap: (gap / (n - 1)) * 1000, outside: (outside / n) * 1000, setup: first - start }));
});
`,
);
writeFileSync(
  join(dir, 'parproc.ts'),
  `import './timing.ts';
import { ProcManager } from ${JSON.stringify(join(root, 'src', 'index.ts'))};
const pm = new ProcManager({ display: false, parallel: 8, logDir: 'logs' });
pm.proc('t0', ['true']);
for (let i = 1; i < ${N}; i++) pm.proc('t' + i, { deps: ['t' + (i - 1)] }, ['true']);
pm.start('t${N - 1}');
await pm.waitForAll();
`,
);
writeFileSync(
  join(dir, 'bare.ts'),
  `import './timing.ts';
import { constants as c, ftruncateSync, openSync, readSync } from 'node:fs';
const fd = openSync('.', c.O_RDWR | c.O_APPEND | c.O_DIRECTORY | 0o20000000, 0o600);
const buf = new Uint8Array(65536);
for (let i = 0; i < ${N}; i++) {
  const p = Bun.spawn(['true'], { env: { ...process.env, TERM: 'dumb', NO_COLOR: '1' }, stdin: 'ignore', stdout: fd, stderr: fd, detached: true });
  await p.exited;
  if (readSync(fd, buf, 0, buf.length, 0) > 0) ftruncateSync(fd, 0);
}
`,
);
writeFileSync(
  join(dir, 'fan-parproc.ts'),
  `import './timing.ts';
import { ProcManager } from ${JSON.stringify(join(root, 'src', 'index.ts'))};
const pm = new ProcManager({ display: false, parallel: 8, logDir: 'logs' });
for (let i = 0; i < ${N}; i++) pm.proc('t' + i, ['true']);
pm.start(Array.from({ length: ${N} }, (_, i) => 't' + i));
await pm.waitForAll();
`,
);
writeFileSync(
  join(dir, 'fan-bare.ts'),
  `import './timing.ts';
import { constants as c, ftruncateSync, openSync, readSync } from 'node:fs';
let i = 0;
const buf = new Uint8Array(65536);
await Promise.all(Array.from({ length: 8 }, async () => {
  const fd = openSync('.', c.O_RDWR | c.O_APPEND | c.O_DIRECTORY | 0o20000000, 0o600);
  while (i++ < ${N}) {
    const p = Bun.spawn(['true'], { env: { ...process.env, TERM: 'dumb', NO_COLOR: '1' }, stdin: 'ignore', stdout: fd, stderr: fd, detached: true });
    await p.exited;
    if (readSync(fd, buf, 0, buf.length, 0) > 0) ftruncateSync(fd, 0);
  }
}));
`,
);

type Link = { spawn: number; life: number; gap: number; outside: number; setup: number };
const scripts: Record<string, string> = {
  'bare Bun.spawn chain': 'bare.ts',
  'parproc argv procs': 'parproc.ts',
  'bare loop, 8 at a time': 'fan-bare.ts',
  'parproc, parallel 8': 'fan-parproc.ts',
};
const results: Record<string, Link[]> = Object.fromEntries(Object.keys(scripts).map((k) => [k, []]));
for (let r = -1; r < runs; r++) {
  for (const [name, script] of Object.entries(scripts)) {
    const p = Bun.spawnSync([process.execPath, script], { cwd: dir, stdout: 'pipe', stderr: 'pipe' });
    const line = p.stderr.toString().trim().split('\n').pop() ?? '';
    if (p.exitCode !== 0 || !line.startsWith('{')) throw new Error(`${script}: ${p.stderr.toString().slice(0, 500)}`);
    if (r >= 0) results[name]?.push(JSON.parse(line) as Link);
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
console.log(`${N} \`true\`, µs per command, median of ${runs} runs (spawn: in Bun.spawn; life: to the exit seen; gap: to the next spawn; outside: the JS thread's other time; setup: to the first spawn, in ms)`);
for (const [name, links] of Object.entries(results)) {
  const m = (k: keyof Link) => median(links.map((l) => l[k])).toFixed(1).padStart(6);
  const chain = !name.includes('8');
  console.log(`  ${name.padEnd(22)} spawn ${m('spawn')}   life ${m('life')}   ${chain ? `gap ${m('gap')}` : `outside ${m('outside')}`}   setup ${m('setup')}`);
}
if (!process.env.PARPROC_BENCH_KEEP) rmSync(dir, { recursive: true, force: true });
