// Scheduling from history (issue 14), side by side in one run on 2 slots, sleep-based so the CPU
// count does not matter. Two shapes:
//   skewed: a chain of three 1 s procs among twenty 0.2 s independent ones (declared first)
//   tail:   ten 0.1 s procs and one 1.5 s proc (declared last), all needed by a final proc
// For each: parproc FIFO (history off: --no-db), parproc with history (a recorded run first, then
// --full), make -j2 and ninja -j2 on the same graph, and the lower bound max(longest chain, total
// work ÷ slots). Median (min–max) of the runs. Run: bun bench/critical-path.ts [runs=3] [--shm]
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { benchDir } from './bench-dir.ts';

const runs = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 3);
const cli = join(import.meta.dir, '..', 'src', 'cli.ts');
const hasNinja = Bun.spawnSync(['sh', '-c', 'command -v ninja']).exitCode === 0;
const root = benchDir('critical-path');

interface Shape {
  name: string;
  /** name → [seconds, deps], in declaration order. */
  procs: [string, number, string[]][];
  bound: number;
}

const skewed: Shape = {
  name: 'skewed: chain of 3 × 1 s among 20 × 0.2 s',
  procs: [
    ...Array.from({ length: 20 }, (_, i) => [`s${i}`, 0.2, []] as [string, number, string[]]),
    ['c1', 1, []],
    ['c2', 1, ['c1']],
    ['c3', 1, ['c2']],
  ],
  bound: Math.max(3, (20 * 0.2 + 3) / 2),
};
const tail: Shape = {
  name: 'tail: 10 × 0.1 s and one 1.5 s proc before a final one',
  procs: [...Array.from({ length: 10 }, (_, i) => [`t${i}`, 0.1, []] as [string, number, string[]]), ['big', 1.5, []]],
  bound: Math.max(1.5, (10 * 0.1 + 1.5) / 2),
};

function project(shape: Shape): string {
  const dir = join(root, shape.name.split(':')[0] as string);
  mkdirSync(dir, { recursive: true });
  const all = shape.procs.map(([n]) => n);
  writeFileSync(
    join(dir, 'parproc.ts'),
    `import { proc } from 'parproc';\n${shape.procs.map(([n, s, d]) => `proc(${JSON.stringify(n)}, { deps: ${JSON.stringify(d)} }, ['sleep', '${s}']);`).join('\n')}\nproc('default', { deps: ${JSON.stringify(all)} }, () => 1);\n`,
  );
  writeFileSync(
    join(dir, 'Makefile'),
    `.PHONY: all ${all.join(' ')}\nall: ${all.join(' ')}\n${shape.procs.map(([n, s, d]) => `${n}: ${d.join(' ')}\n\t@sleep ${s}\n`).join('')}`,
  );
  writeFileSync(
    join(dir, 'build.ninja'),
    `rule s\n  command = sleep $t\n${shape.procs.map(([n, s, d]) => `build ${n}: s ${d.join(' ')}\n  t = ${s}\n`).join('')}build all: phony ${all.join(' ')}\ndefault all\n`,
  );
  return dir;
}

function time(cmd: string[], cwd: string, before?: () => void): number {
  before?.();
  const t0 = performance.now();
  const p = Bun.spawnSync(cmd, { cwd, stdout: 'pipe', stderr: 'pipe', env: { ...process.env, CI: '1' } });
  if (p.exitCode !== 0) throw new Error(`${cmd.join(' ')}: ${p.stderr.toString()}`);
  return (performance.now() - t0) / 1000;
}

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return `${(s[Math.floor(s.length / 2)] as number).toFixed(2)} s (${(s[0] as number).toFixed(2)}–${(s.at(-1) as number).toFixed(2)})`;
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

for (const shape of [skewed, tail]) {
  const dir = project(shape);
  // Record history once (the measured "with history" runs use --full: everything runs again).
  time([process.execPath, cli, '-j', '2', '--full'], dir);
  const fifo: number[] = [];
  const hist: number[] = [];
  const make: number[] = [];
  const ninja: number[] = [];
  for (let r = 0; r < runs; r++) {
    fifo.push(time([process.execPath, cli, '-j', '2', '--no-db'], dir));
    hist.push(time([process.execPath, cli, '-j', '2', '--full'], dir));
    make.push(time(['make', '-s', '-j2', '-C', dir], dir));
    if (hasNinja) ninja.push(time(['ninja', '-j2', '-C', dir, '--quiet'], dir, () => rmSync(join(dir, '.ninja_log'), { force: true })));
  }
  const h = median(hist);
  console.log(`${shape.name}, 2 slots, ${runs} runs`);
  console.log(`  lower bound                ${shape.bound.toFixed(2)} s`);
  console.log(`  parproc FIFO (history off) ${stats(fifo)}`);
  console.log(`  parproc with history       ${stats(hist)}   ${((h / shape.bound - 1) * 100).toFixed(1)}% over the bound, ${((1 - h / median(fifo)) * 100).toFixed(1)}% below FIFO`);
  console.log(`  make -j2                   ${stats(make)}`);
  if (hasNinja) console.log(`  ninja -j2                  ${stats(ninja)}`);
}
rmSync(root, { recursive: true, force: true });
