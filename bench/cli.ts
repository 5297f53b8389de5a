// CLI start-up and whole-run wall times of the compiled binary (built first if missing), median of
// 15 runs each. Targets: --version < 30 ms; list of 1,000 procs < 100 ms; run of 1,000 trivial
// inline procs < 150 ms. Run: bun bench/cli.ts
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { benchDir } from './bench-dir.ts';

const root = join(import.meta.dir, '..');
const bin = join(root, 'dist', 'parproc');
if (!existsSync(bin) || process.argv.includes('--rebuild')) {
  const b = Bun.spawnSync([process.execPath, 'run', join(root, 'build.ts')], { stdout: 'inherit', stderr: 'inherit' });
  if (b.exitCode !== 0) process.exit(1);
}
const dir = benchDir('cli');
writeFileSync(
  join(dir, 'parproc.ts'),
  `import { proc } from 'parproc';
const names = [];
for (let i = 0; i < 1000; i++) names.push(proc('p' + i, { description: 'proc ' + i }, () => i));
proc('default', { deps: names }, () => 'done');
`,
);

function median(cmd: string[], runs = 15): number {
  const times: number[] = [];
  for (let i = 0; i < runs + 2; i++) {
    const t0 = performance.now();
    const p = Bun.spawnSync(cmd, { cwd: dir, stdout: 'ignore', stderr: 'ignore', env: { ...process.env, CI: '1' } });
    const ms = performance.now() - t0;
    if (p.exitCode !== 0) throw new Error(`${cmd.join(' ')} exited ${p.exitCode}`);
    if (i >= 2) times.push(ms); // two warm-up runs
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] as number;
}

const rows: [string, number, number][] = [
  ['dist/parproc --version', median([bin, '--version']), 30],
  ['dist/parproc list (1,000 procs)', median([bin, 'list']), 100],
  ['dist/parproc run (1,000 inline procs)', median([bin, 'run']), 150],
  ['bun src/cli.ts --version', median([process.execPath, join(root, 'src', 'cli.ts'), '--version']), NaN],
  ['bun src/cli.ts run (1,000 inline procs)', median([process.execPath, join(root, 'src', 'cli.ts'), 'run']), NaN],
];
for (const [name, ms, target] of rows) {
  console.log(`${name.padEnd(42)} ${ms.toFixed(1).padStart(7)} ms${Number.isNaN(target) ? '' : `   (target < ${target} ms)`}`);
}
rmSync(dir, { recursive: true, force: true });
