// Per-proc cost on the real disk (issue 11): the same graphs for make -r, ninja and parproc, run
// side by side in one run as whole processes, in the project's working directory (bench/.tmp;
// --shm for tmpfs, for comparison). Prints min/median/max over runs and the ratios.
//   A  1,000 independent tasks: `true` for make/ninja; parproc: function procs returning a value
//   B  1,000 independent `true` commands: parproc argv procs; plus bare Bun.spawn loops (the floor),
//      one as written, one passing the environment every proc's command gets (SPEC 6: the caller's
//      environment with TERM=dumb and NO_COLOR=1; Bun converts an `env` object var by var), and
//      one as parproc spawns when nothing shows output live: the environment, and stdout and
//      stderr to a reused anonymous file instead of pipes (runners/capture-file.ts)
//   C  a chain of 1,000 `true` commands; plus a bare Bun.spawn chain (the floor), and the same
//      chain as parproc spawns (the environment, output to a reused file)
//   D  no-op rebuild, 1,000 tasks with one input and one output each (parproc: compiled binary, as
//      users run it: the no-op answers from its seal, cli/noop-seal.ts; and with --no-quick, which
//      loads the task file and checks every proc); plus the floor of any compiled Bun tool with a
//      TypeScript task file: a compiled binary that loads the same task file (a `proc` that only
//      records), stats every input and output and prints a line per task
//   E  start-up, one trivial task: `true` (parproc: compiled binary running a `true` command proc, and
//      a function proc beside it; `bun` with an empty file beside them)
//   F  `import 'parproc'` from the package as published (a packed tarball installed in a project)
//   G  10,000 function procs, fan-out and chain, and 20,000 (2N ≈ 2×N)
// The library scripts (A, B, C, G) import the package as published (packed, installed), like F.
// dist/parproc is built at each run and `bun` runs from a fresh copy (fresh-binary.ts).
// E and F take tens of milliseconds a run, where a few ms of noise move the ratio: they run at least
// 15 times (the others `runs` times).
// Run: bun bench/vs-make.ts [runs=5] [--shm] [--only=ABCDEFG]
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { benchDir } from './bench-dir.ts';
import { freshBinary, freshBun } from './fresh-binary.ts';
import { publish } from './published.ts';

const runs = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 5);
const only = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length).toUpperCase() ?? 'ABCDEFG';
const root = join(import.meta.dir, '..');
const bin = freshBinary();
const hasNinja = Bun.spawnSync(['sh', '-c', 'command -v ninja']).exitCode === 0;
const dir = benchDir('vs-make');
const bunExe = freshBun(dir);
const N = 1000;
/** Runs of the start-up rows (E, F): cheap, and noisy at their scale. */
const quickRuns = Math.max(runs, 15);
const ids = Array.from({ length: N }, (_, i) => i);

// ---- the graphs, for each tool
const makefile = (recipe: (i: number) => string, deps: (i: number) => string) =>
  `.PHONY: all ${ids.map((i) => `t${i}`).join(' ')}\nall: ${ids.map((i) => `t${i}`).join(' ')}\n${ids.map((i) => `t${i}: ${deps(i)}\n\t@${recipe(i)}\n`).join('')}`;
const ninjafile = (deps: (i: number) => string) =>
  `rule t\n  command = true\n${ids.map((i) => `build t${i}: phony\nbuild s${i}: t ${deps(i)}\n`).join('')}build all: phony ${ids.map((i) => `s${i}`).join(' ')}\ndefault all\n`;

function project(name: string, files: Record<string, string>): string {
  const d = join(dir, name);
  mkdirSync(d, { recursive: true });
  for (const [f, text] of Object.entries(files)) {
    mkdirSync(join(d, f, '..'), { recursive: true });
    writeFileSync(join(d, f), text);
  }
  return d;
}

// ---- F: the package as published: packed, installed into a project, imported (published.ts). The
// library scripts of A, B, C and G import it from there too, as a user of the package would.
const published = publish(dir);
const F = published.project;
const canImport = published.installed;
const lib = JSON.stringify(published.entry);
if (!canImport) console.log('(could not pack the package: library scripts import the sources)');
/** A bare Bun.spawn loop: `parallel` at a time, output drained, 1,000 `true` in all. */
function spawnLoop(parallel: number, extra: string): string {
  return `let i = 0;
const drain = async (s) => { for await (const _ of s); };
await Promise.all(Array.from({ length: ${parallel} }, async () => {
  while (i++ < ${N}) {
    const p = Bun.spawn(['true'], { ${extra}stdin: 'ignore', stdout: 'pipe', stderr: 'pipe' });
    await Promise.all([drain(p.stdout), drain(p.stderr), p.exited]);
  }
}));
`;
}
/**
 * The same loop as parproc spawns commands now (capture-file.ts): the environment passed, stdout
 * and stderr to one reused anonymous file per slot, read after exit, emptied only after output.
 */
function fileLoop(parallel: number): string {
  return `import { constants as c, ftruncateSync, openSync, readSync } from 'node:fs';
let i = 0;
const buf = new Uint8Array(65536);
await Promise.all(Array.from({ length: ${parallel} }, async () => {
  const fd = openSync('.', c.O_RDWR | c.O_APPEND | c.O_DIRECTORY | 0o20000000, 0o600);
  while (i++ < ${N}) {
    const p = Bun.spawn(['true'], { env: { ...process.env, TERM: 'dumb', NO_COLOR: '1' }, stdin: 'ignore', stdout: fd, stderr: fd });
    await p.exited;
    if (readSync(fd, buf, 0, buf.length, 0) > 0) ftruncateSync(fd, 0);
  }
}));
`;
}
const A = project('a', {
  Makefile: makefile(() => 'true', () => ''),
  'build.ninja': ninjafile(() => ''),
  'script.ts': `import { ProcManager } from ${lib};
const pm = new ProcManager({ display: false, parallel: 8, logDir: 'logs' });
for (let i = 0; i < ${N}; i++) pm.proc('t' + i, () => i);
pm.start(Array.from({ length: ${N} }, (_, i) => 't' + i));
await pm.waitForAll();
`,
});
const B = project('b', {
  Makefile: makefile(() => 'true', () => ''),
  'build.ninja': ninjafile(() => ''),
  'script.ts': `import { ProcManager } from ${lib};
const pm = new ProcManager({ display: false, parallel: 8, logDir: 'logs' });
for (let i = 0; i < ${N}; i++) pm.proc('t' + i, ['true']);
pm.start(Array.from({ length: ${N} }, (_, i) => 't' + i));
await pm.waitForAll();
`,
  'spawn.ts': spawnLoop(8, ''),
  'spawn-env.ts': spawnLoop(8, `env: { ...process.env, TERM: 'dumb', NO_COLOR: '1' }, `),
  'spawn-file.ts': fileLoop(8),
});
const C = project('c', {
  Makefile: makefile(() => 'true', (i) => (i === 0 ? '' : `t${i - 1}`)),
  'build.ninja': ninjafile((i) => (i === 0 ? '' : `s${i - 1}`)),
  'script.ts': `import { ProcManager } from ${lib};
const pm = new ProcManager({ display: false, parallel: 8, logDir: 'logs' });
pm.proc('t0', ['true']);
for (let i = 1; i < ${N}; i++) pm.proc('t' + i, { deps: ['t' + (i - 1)] }, ['true']);
pm.start('t${N - 1}');
await pm.waitForAll();
`,
  'spawn.ts': spawnLoop(1, ''),
  'spawn-file.ts': fileLoop(1),
});
const dFiles: Record<string, string> = {
  Makefile: `all: ${ids.map((i) => `out/${i}.txt`).join(' ')}\n${ids.map((i) => `out/${i}.txt: src/${i}.txt\n\t@cp $< $@\n`).join('')}`,
  'build.ninja': `rule copy\n  command = cp $in $out\n${ids.map((i) => `build out/${i}.txt: copy src/${i}.txt\n`).join('')}`,
  'parproc.ts': `import { proc } from 'parproc';
import { copyFileSync } from 'node:fs';
const all = [];
for (let i = 0; i < ${N}; i++) all.push(proc('copy' + i, { inputs: ['src/' + i + '.txt'], outputs: ['out/' + i + '.txt'] }, () => copyFileSync('src/' + i + '.txt', 'out/' + i + '.txt')));
proc('default', { deps: all }, () => null);
`,
  'out/.keep': '',
  // The floor: the same task file against a `proc` that only records (a module beside it, found
  // through globalThis as the compiled binary's own copy would be), and a loop that stats and prints.
  'floor-shim.ts': `export function proc(name, opts, fn) { ((globalThis).floorProcs ??= []).push({ name, opts: fn === undefined ? {} : opts }); return name; }\n`,
  'floor.ts': `import { statSync, writeSync } from 'node:fs';
await import(process.cwd() + '/floor-task.ts');
let out = '';
let stale = 0;
for (const p of globalThis.floorProcs) {
  let newest = 0;
  let oldest = Infinity;
  for (const i of p.opts.inputs ?? []) newest = Math.max(newest, statSync(i).mtimeMs);
  for (const o of p.opts.outputs ?? []) oldest = Math.min(oldest, statSync(o, { throwIfNoEntry: false })?.mtimeMs ?? -1);
  if (newest > oldest) stale++;
  out += '\u21b7 ' + p.name + '\\n';
}
writeSync(1, out + 'Done: ' + globalThis.floorProcs.length + ' tasks, ' + stale + ' stale\\n');
`,
};
dFiles['floor-task.ts'] = (dFiles['parproc.ts'] as string).replace("from 'parproc'", "from './floor-shim.ts'");
for (const i of ids) dFiles[`src/${i}.txt`] = `input ${i}\n`;
const D = project('d', dFiles);
const E = project('e', {
  Makefile: 'all:\n\t@true\n',
  'build.ninja': 'rule t\n  command = true\nbuild all: t\n',
  // The trivial task of make and ninja: `true`. A function proc beside it (its first run sets up
  // the capture of console and process stdio, which costs Bun ~20 ms to build process.stdout).
  'parproc.ts': `import { proc } from 'parproc';\nproc('default', ['true']);\nproc('fn', () => 1);\n`,
  'empty.ts': '',
});


function time(cmd: string[], cwd: string): number {
  const t0 = performance.now();
  const p = Bun.spawnSync(cmd, { cwd, stdout: 'pipe', stderr: 'pipe', env: { ...process.env, CI: '1' } });
  const ms = performance.now() - t0;
  if (p.exitCode !== 0) throw new Error(`${cmd.join(' ')} in ${cwd}: ${p.stderr.toString().slice(0, 500)}`);
  return ms;
}

type Stats = { min: number; median: number; max: number };
const stats = (xs: number[]): Stats => {
  const s = [...xs].sort((a, b) => a - b);
  return { min: s[0] as number, median: s[Math.floor(s.length / 2)] as number, max: s[s.length - 1] as number };
};
const clean = (d: string) => () => {
  rmSync(join(d, 'logs'), { recursive: true, force: true });
  rmSync(join(d, '.ninja_log'), { force: true });
};

/**
 * Runs each command `n` times, interleaved (one round runs every tool), after one warm-up. Each
 * round starts one tool further on, so no tool always runs first or last in a round (just after
 * another tool's files were written, or in the same second of a busy spell).
 */
function measure(cmds: Record<string, { cmd: string[]; cwd: string; before?: () => void }>, n = runs): Record<string, Stats> {
  const times: Record<string, number[]> = Object.fromEntries(Object.keys(cmds).map((k) => [k, []]));
  const all = Object.entries(cmds);
  for (let r = -1; r < n; r++) {
    for (let j = 0; j < all.length; j++) {
      const [name, c] = all[(j + Math.max(r, 0)) % all.length] as [string, (typeof all)[number][1]];
      c.before?.();
      const ms = time(c.cmd, c.cwd);
      if (r >= 0) times[name]?.push(ms);
    }
  }
  return Object.fromEntries(Object.entries(times).map(([k, v]) => [k, stats(v)]));
}

const make = (d: string) => ({ cmd: ['make', '-r', '-s', '-j8', '-C', d], cwd: d });
const ninja = (d: string) => ({ cmd: ['ninja', '-j8', '-C', d, '--quiet'], cwd: d, before: () => rmSync(join(d, '.ninja_log'), { force: true }) });
const bun = (d: string, file: string, before?: () => void) => ({ cmd: [bunExe, file], cwd: d, before });
const withNinja = <T>(x: T) => (hasNinja ? x : {});

const fmt = (s: Stats) => `${(s.median / 1000).toFixed(3)} s (${(s.min / 1000).toFixed(3)}–${(s.max / 1000).toFixed(3)})`;
const rows: string[] = [];
function report(title: string, r: Record<string, Stats>, ours: string, target: string): void {
  rows.push(`\n${title}`);
  const base = r['make -r'];
  for (const [name, s] of Object.entries(r)) {
    const ratio = base && name !== 'make -r' ? `  ×${(s.median / base.median).toFixed(2)} of make` : '';
    rows.push(`  ${name.padEnd(34)} ${fmt(s)}${ratio}${name === ours ? `   ${target}` : ''}`);
  }
}

if (only.includes('A')) report('A  1,000 independent tasks (parproc: function procs, whole process)', measure({
  'make -r': make(A), ...withNinja({ ninja: ninja(A) }), 'parproc (library script)': bun(A, 'script.ts', clean(A)),
}), 'parproc (library script)', 'target ≤ ×0.5 of make');
if (only.includes('B')) report('B  1,000 independent `true` commands', measure({
  'make -r': make(B), ...withNinja({ ninja: ninja(B) }), 'bare Bun.spawn loop (floor)': bun(B, 'spawn.ts'), 'bare loop + env (floor, SPEC 6)': bun(B, 'spawn-env.ts'), 'bare loop + env, output to a file': bun(B, 'spawn-file.ts'), 'parproc (argv procs)': bun(B, 'script.ts', clean(B)),
}), 'parproc (argv procs)', 'target ≤ ×1.25 of make');
if (only.includes('C')) report('C  chain of 1,000 `true` commands', measure({
  'make -r': make(C), ...withNinja({ ninja: ninja(C) }), 'bare Bun.spawn chain (floor)': bun(C, 'spawn.ts'), 'bare chain + env, output to a file': bun(C, 'spawn-file.ts'), 'parproc (argv procs)': bun(C, 'script.ts', clean(C)),
}), 'parproc (argv procs)', 'target ≤ ×1.25 of make');
if (only.includes('D')) {
time(['make', '-r', '-s', '-C', D], D);
if (hasNinja) time(['ninja', '-C', D, '--quiet'], D);
time([bin, 'run'], D);
const floorBin = join(D, 'floor-bin');
const floorBuilt = Bun.spawnSync([process.execPath, 'build', '--compile', join(D, 'floor.ts'), '--outfile', floorBin], { cwd: D, stdout: 'pipe', stderr: 'pipe' }).exitCode === 0;
const d = measure({
  'make -r': { cmd: ['make', '-r', '-s', '-C', D], cwd: D }, ...withNinja({ ninja: { cmd: ['ninja', '-C', D, '--quiet'], cwd: D } }),
  ...(floorBuilt ? { 'compiled Bun floor (load, stat, print)': { cmd: [floorBin], cwd: D } } : {}),
  'dist/parproc run': { cmd: [bin, 'run'], cwd: D },
  'dist/parproc run --no-quick': { cmd: [bin, 'run', '--no-quick'], cwd: D },
});
const ofNinja = (k: string) => (d[k] && d.ninja ? `×${(d[k].median / d.ninja.median).toFixed(2)} of ninja` : '');
report('D  no-op rebuild, 1,000 tasks with one input and one output', d, 'dist/parproc run', `${ofNinja('dist/parproc run')} (target ≤ ×3; the floor ${ofNinja('compiled Bun floor (load, stat, print)')}; --no-quick ${ofNinja('dist/parproc run --no-quick')})`);
}
if (only.includes('E')) {
const e = measure({
  'make -r': make(E), ...withNinja({ ninja: ninja(E) }), 'bun empty.ts': bun(E, 'empty.ts'),
  'dist/parproc run': { cmd: [bin, 'run'], cwd: E }, 'dist/parproc run fn (a function proc)': { cmd: [bin, 'run', 'fn'], cwd: E },
}, quickRuns);
const ofEmpty = (k: string) => `×${(e[k]!.median / e['bun empty.ts']!.median).toFixed(2)} of bun empty.ts`;
report(`E  start-up, one trivial task (\`true\`; a function proc below), ${quickRuns} runs`, e, 'dist/parproc run', `${ofEmpty('dist/parproc run')} (target ≤ ×3); a function proc ${ofEmpty('dist/parproc run fn (a function proc)')}`);
}
if (!only.includes('F')) {
  // skipped
} else if (canImport) {
  const f = measure({ 'bun empty.ts': bun(F, 'empty.ts'), "bun import.ts (import 'parproc')": bun(F, 'import.ts') }, quickRuns);
  const cost = f["bun import.ts (import 'parproc')"]!.median - f['bun empty.ts']!.median;
  report(`F  import 'parproc' from the packed package, ${quickRuns} runs`, f, "bun import.ts (import 'parproc')", `import alone ${cost.toFixed(1)} ms (target ≤ 10 ms)`);
} else rows.push(`\nF  import 'parproc': could not pack/install (${published.problem})`);

// G: in-process, 10,000 and 20,000 function procs on disk.
const G = project('g', {
  'script.ts': `import { ProcManager } from ${lib};
const [shape, n] = [process.argv[2], Number(process.argv[3])];
const pm = new ProcManager({ display: false, parallel: 100, logDir: 'logs' });
const t0 = performance.now();
if (shape === 'fan') { const names = []; for (let i = 0; i < n; i++) names.push(pm.proc('p' + i, () => i)); pm.start(names); }
else { pm.proc('c0', () => 0); for (let i = 1; i < n; i++) pm.proc('c' + i, { deps: ['c' + (i - 1)] }, () => i); pm.start('c' + (n - 1)); }
await pm.waitForAll();
process.stdout.write(String(performance.now() - t0));
`,
});
if (only.includes('G')) rows.push('\nG  function procs in one process, registration included (target < 0.5 s each; 2N ≈ 2×N)');
for (const shape of only.includes('G') ? ['fan', 'chain'] : []) {
  const one = (n: number) => {
    const xs: number[] = [];
    for (let r = 0; r < runs; r++) {
      const p = Bun.spawnSync([bunExe, 'script.ts', shape, String(n)], { cwd: G, stdout: 'pipe', stderr: 'pipe' });
      xs.push(Number(p.stdout.toString()));
    }
    return stats(xs);
  };
  const n1 = one(10_000);
  const n2 = one(20_000);
  rows.push(`  ${shape === 'fan' ? 'fan-out' : 'chain  '} 10,000: ${fmt(n1)}   20,000: ${fmt(n2)}   ×${(n2.median / n1.median).toFixed(2)} for 2N`);
}

console.log(`parproc vs make${hasNinja ? ', ninja' : ' (ninja not installed: skipped)'}, -j8 / parallel 8, on ${dir.startsWith('/dev/shm') ? 'tmpfs' : 'the real disk'}; median (min–max) of ${runs}`);
console.log(rows.join('\n'));
if (!process.env.PARPROC_BENCH_KEEP) rmSync(dir, { recursive: true, force: true });
else console.log(`(kept ${dir})`);
