// W4 no-op runs: N procs, each with one input file and one output file, all up to date.
// - a repeated `dist/parproc run` (CLI, start-up included) for N = 10,000 (target < 1 s) and
//   N = 1,000 against `ninja` on the equivalent build.ninja (target within 3×): as users run it
//   (answered from the no-op seal, cli/noop-seal.ts, where it applies: fingerprint 'mtime'), and
//   with --no-quick (the task file loaded and every proc checked);
// - library level, after registration, for N = 10,000 (target < 300 ms);
// - the same with fingerprint: 'hash';
// - history recording: 10,000 trivial procs with the task DB vs taskDbPath: null (target ≤ +20%),
//   each a whole process, importing the package as published (published.ts).
// Run: bun bench/incremental.ts [--shm]
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ProcManager } from '../src/index.ts';
import { benchDir } from './bench-dir.ts';
import { freshBinary } from './fresh-binary.ts';
import { publish } from './published.ts';

const root = join(import.meta.dir, '..');
const bin = freshBinary();

function project(n: number, fingerprint: 'mtime' | 'hash'): string {
  const dir = benchDir(`w4-${n}`);
  mkdirSync(join(dir, 'src'));
  mkdirSync(join(dir, 'out'));
  for (let i = 0; i < n; i++) writeFileSync(join(dir, 'src', `${i}.txt`), `input ${i}\n`);
  writeFileSync(
    join(dir, 'parproc.ts'),
    `import { proc, setOptions } from 'parproc';
import { copyFileSync } from 'node:fs';
setOptions({ fingerprint: '${fingerprint}' });
const all = [];
for (let i = 0; i < ${n}; i++) {
  all.push(proc('copy' + i, { inputs: ['src/' + i + '.txt'], outputs: ['out/' + i + '.txt'] }, () => copyFileSync('src/' + i + '.txt', 'out/' + i + '.txt')));
}
proc('default', { deps: all }, () => null);
`,
  );
  writeFileSync(
    join(dir, 'build.ninja'),
    `rule copy\n  command = cp $in $out\n${Array.from({ length: n }, (_, i) => `build out/${i}.txt: copy src/${i}.txt\n`).join('')}`,
  );
  return dir;
}

function time(cmd: string[], cwd: string): number {
  const t0 = performance.now();
  const p = Bun.spawnSync(cmd, { cwd, stdout: 'pipe', stderr: 'pipe', env: { ...process.env, CI: '1' } });
  const ms = performance.now() - t0;
  if (p.exitCode !== 0) throw new Error(`${cmd.join(' ')}: ${p.stderr.toString()}`);
  return ms;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const rows: string[] = [];
const row = (name: string, ms: number, note = '') => rows.push(`${name.padEnd(58)} ${ms.toFixed(0).padStart(6)} ms   ${note}`);

for (const fingerprint of ['mtime', 'hash'] as const) {
  // CLI, 10,000.
  const big = project(10_000, fingerprint);
  time([bin, 'run'], big); // first run: builds everything
  time([bin, 'run'], big); // the first no-op: seals it (mtime)
  row(`W4 CLI no-op, 10,000 procs (${fingerprint})`, median([0, 1, 2].map(() => time([bin, 'run'], big))), 'target < 1000 ms');
  row(`W4 CLI no-op, 10,000 procs (${fingerprint}, --no-quick)`, median([0, 1, 2].map(() => time([bin, 'run', '--no-quick'], big))), 'target < 1000 ms');

  // Library level, 10,000: registration excluded.
  process.chdir(big);
  const libTimes: number[] = [];
  for (let k = 0; k < 4; k++) {
    const pm = new ProcManager({ display: false, taskDbPath: join(big, '.parproc', 'parproc.db'), logDir: join(big, '.parproc', 'logs'), fingerprint });
    const names: string[] = [];
    // A different body than the task file's: the first round re-caches under this definition.
    for (let i = 0; i < 10_000; i++) names.push(pm.proc(`copy${i}`, { inputs: [`src/${i}.txt`], outputs: [`out/${i}.txt`] }, () => null));
    const t0 = performance.now();
    pm.start(names);
    await pm.waitForAll();
    const ms = performance.now() - t0;
    pm.close();
    if (k === 0) continue;
    libTimes.push(ms);
    const states = new Set([...pm.getProcs().values()].map((p) => p.state));
    if (states.size !== 1 || !states.has('up-to-date')) throw new Error(`not a no-op: ${[...states]}`);
  }
  process.chdir(root);
  row(`W4 library no-op, 10,000 procs, after registration (${fingerprint})`, median(libTimes), 'target < 300 ms');
  rmSync(big, { recursive: true, force: true });

  // CLI vs ninja, 1,000.
  const small = project(1_000, fingerprint);
  time([bin, 'run'], small);
  time([bin, 'run'], small);
  time(['ninja'], small);
  const pp = median([0, 1, 2, 3, 4].map(() => time([bin, 'run'], small)));
  const full = median([0, 1, 2, 3, 4].map(() => time([bin, 'run', '--no-quick'], small)));
  const nj = median([0, 1, 2, 3, 4].map(() => time(['ninja'], small)));
  row(`W4 CLI no-op, 1,000 procs (${fingerprint})`, pp, `ninja no-op: ${nj.toFixed(0)} ms → ×${(pp / nj).toFixed(2)} (target ≤ ×3)`);
  row(`W4 CLI no-op, 1,000 procs (${fingerprint}, --no-quick)`, full, `×${(full / nj).toFixed(2)} of ninja`);
  rmSync(small, { recursive: true, force: true });
}

// History recording overhead: 10,000 trivial procs (they always run), each measurement a process
// of its own, as users run them (in one process the no-DB runs got faster round by round as the
// JIT warmed, and the ratio swung between +29% and +153%): from the first registration to
// `close()`, import excluded. The DB fresh at each run, and one that keeps its history (10,000
// rows more each round; its first round is a warm-up); interleaved, each round turning the order.
// The script imports the package as published (packed and installed: published.ts), as a user's
// does: from the sources, the DB's modules would be transpiled when the first run with a DB loads
// them, a cost the runs without one never pay, charged to the history.
const hist = benchDir('hist');
const published = publish(hist);
if (!published.installed) console.log(`(could not pack the package: the history rows import the sources; ${published.problem})`);
writeFileSync(
  join(hist, 'trivial.ts'),
  `import { ProcManager } from ${JSON.stringify(published.entry)};
const [db] = process.argv.slice(2);
const pm = new ProcManager({ display: false, taskDbPath: db === 'none' ? null : db, logDir: ${JSON.stringify(join(hist, 'logs'))} });
const t0 = performance.now();
const names = [];
for (let i = 0; i < 10_000; i++) names.push(pm.proc('t' + i, () => i));
pm.start(names);
await pm.waitForAll();
pm.close();
console.log(performance.now() - t0);
`,
);
const kept = join(hist, 'kept.db');
const histCases: Record<string, () => string> = {
  none: () => 'none',
  fresh: () => {
    for (const f of ['fresh.db', 'fresh.db-wal', 'fresh.db-shm']) rmSync(join(hist, f), { force: true });
    return join(hist, 'fresh.db');
  },
  kept: () => kept,
};
const histTimes: Record<string, number[]> = { none: [], fresh: [], kept: [] };
const keys = Object.keys(histCases);
for (let r = -1; r < 9; r++) {
  for (let j = 0; j < keys.length; j++) {
    const k = keys[(j + Math.max(r, 0)) % keys.length] as string;
    const p = Bun.spawnSync([process.execPath, join(hist, 'trivial.ts'), (histCases[k] as () => string)()], { cwd: hist, stdout: 'pipe', stderr: 'pipe' });
    if (p.exitCode !== 0) throw new Error(`trivial.ts ${k}: ${p.stderr.toString().slice(0, 500)}`);
    if (r >= 0) histTimes[k]?.push(Number(p.stdout.toString()));
  }
}
rmSync(hist, { recursive: true, force: true });
const none = median(histTimes.none as number[]);
const over = (k: string) => `+${((median(histTimes[k] as number[]) / none - 1) * 100).toFixed(0)}% (target ≤ +20%)`;
row('10,000 trivial procs, taskDbPath: null (a process each)', none);
row('  with a fresh task DB (history recorded)', median(histTimes.fresh as number[]), over('fresh'));
row('  with a task DB that keeps its history (+10,000 rows a run)', median(histTimes.kept as number[]), over('kept'));
console.log(rows.join('\n'));
