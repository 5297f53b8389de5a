// The shared remote cache (issue 15), side by side in one run, on the real disk (bench/.tmp):
//   200 procs, each sleeping 50 ms and writing 1 MB of random bytes (incompressible: the worst
//   case for upload and download), at parallel 8, through the CLI (`bun src/cli.ts`), against a
//   real turborepo-remote-cache server on 127.0.0.1 with local storage.
//   cold:    a first checkout runs everything and uploads (the run waits for its uploads)
//   local:   the same procs run again locally (--full, remote cache off)
//   restore: a fresh second checkout restores everything from the server
//   no-op:   that checkout again, everything up to date locally (the floor: start-up and checks)
// Target: restore < local; reported: the overhead of a restore per proc, (restore − no-op) / 200.
// The same again with 1 KB outputs shows the fixed part of that overhead (request, checks, log).
// Run: bun bench/remote-cache.ts [runs]   (default 3; add --shm to compare with /dev/shm)
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startCacheServer } from '../tests/helpers/cache-server.ts';
import { benchDir } from './bench-dir.ts';

const N = 200;
const runs = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? 3);
const CLI = join(import.meta.dir, '..', 'src', 'cli.ts');

const tasks = (bytes: number) => `
import { proc } from 'parproc';
for (let i = 0; i < ${N}; i++) {
  proc('p' + i, { inputs: ['src/p' + i + '.txt'], outputs: ['out/p' + i + '.bin'] }, 'sleep 0.05 && mkdir -p out && head -c ${bytes} /dev/urandom > out/p' + i + '.bin');
}
proc('default', { deps: Array.from({ length: ${N} }, (_, i) => 'p' + i) }, () => 'done');
`;

function makeCheckout(dir: string, bytes: number): void {
  mkdirSync(join(dir, 'src'), { recursive: true });
  writeFileSync(join(dir, 'parproc.ts'), tasks(bytes));
  for (let i = 0; i < N; i++) writeFileSync(join(dir, 'src', `p${i}.txt`), `source ${i}\n`);
}

async function time(dir: string, args: string[], env: Record<string, string>): Promise<{ ms: number; summary: { procs: { state: string; cache?: string }[] } }> {
  const t0 = performance.now();
  const p = Bun.spawn([process.execPath, CLI, '--json', '-j', '8', ...args], { cwd: dir, env: { ...process.env, ...env, CI: '1' }, stdout: 'pipe', stderr: 'pipe' });
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  const ms = performance.now() - t0;
  if (code !== 0 || err.includes('remote cache:')) throw new Error(`run ${args.join(' ')} failed (${code}):\n${err}`);
  return { ms, summary: JSON.parse(out.trim().split('\n').pop() as string) };
}

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { min: s[0] as number, median: s[Math.floor(s.length / 2)] as number, max: s[s.length - 1] as number };
};
const fmt = (x: { min: number; median: number; max: number }) => `${(x.median / 1000).toFixed(2)} s (min ${(x.min / 1000).toFixed(2)}, max ${(x.max / 1000).toFixed(2)})`;

async function scenario(bytes: number): Promise<void> {
  const root = benchDir('remote');
  const server = await startCacheServer({ storage: join(root, 'store') });
  const times = { cold: [] as number[], local: [] as number[], restore: [] as number[], noop: [] as number[] };
  try {
    for (let r = 0; r < runs; r++) {
      const team = `bench${r}`;
      const env = { TURBO_API: server.url, TURBO_TOKEN: server.token, TURBO_TEAM: team };
      const a = join(root, `a${r}`);
      makeCheckout(a, bytes);
      const cold = await time(a, [], env);
      if (server.artifacts(team).length !== N + 1) throw new Error(`expected ${N + 1} artifacts, found ${server.artifacts(team).length}`);
      times.cold.push(cold.ms);
      times.local.push((await time(a, ['--full', '--no-remote-cache'], env)).ms);
      const b = join(root, `b${r}`);
      makeCheckout(b, bytes);
      const restored = await time(b, [], env);
      const remote = restored.summary.procs.filter((p) => p.cache === 'remote').length;
      if (remote !== N + 1) throw new Error(`expected ${N + 1} restores, got ${remote}`);
      if (readdirSync(join(b, 'out')).length !== N) throw new Error('outputs missing after restore');
      times.restore.push(restored.ms);
      times.noop.push((await time(b, [], env)).ms);
      rmSync(a, { recursive: true, force: true });
      rmSync(b, { recursive: true, force: true });
    }
  } finally {
    await server[Symbol.asyncDispose]();
    rmSync(root, { recursive: true, force: true });
  }
  const s = { cold: stats(times.cold), local: stats(times.local), restore: stats(times.restore), noop: stats(times.noop) };
  const size = bytes >= 1 << 20 ? `${bytes >> 20} MB` : `${bytes >> 10} KB`;
  console.log(`remote cache: ${N} procs × (50 ms + ${size} random output), parallel 8, ${runs} runs, ${process.argv.includes('--shm') ? '/dev/shm' : 'real disk (bench/.tmp)'}`);
  console.log(`  cold run + upload     ${fmt(s.cold)}`);
  console.log(`  same procs, locally   ${fmt(s.local)}`);
  console.log(`  restore (checkout 2)  ${fmt(s.restore)}   ×${(s.restore.median / s.local.median).toFixed(2)} of local`);
  console.log(`  no-op (up to date)    ${fmt(s.noop)}`);
  console.log(`  restore overhead per proc: ${((s.restore.median - s.noop.median) / N).toFixed(2)} ms ((restore − no-op) / ${N}); target: restore < local — ${s.restore.median < s.local.median ? 'met' : 'MISSED'}`);
}

await scenario(1 << 20);
await scenario(1 << 10);
