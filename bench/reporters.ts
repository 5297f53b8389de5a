// The displays must not be the bottleneck: W1 (10,000 inline procs, parallel 100) with no
// reporter, with the static reporter writing to a file, and with the live display on a
// pseudo-terminal (this script re-runs itself under util-linux `script`). Target: within 1.3×.
// Run: bun bench/reporters.ts
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { ProcManager } from '../src/index.ts';
import { createDisplay } from '../src/ui/display.ts';
import { StaticReporter } from '../src/ui/static-reporter.ts';
import { benchDir } from './bench-dir.ts';

const N = 10_000;
const dir = benchDir('reporters');
let run = 0;

async function w1(attach: (pm: ProcManager) => () => void): Promise<number> {
  const pm = new ProcManager({ display: false, parallel: 100, logDir: join(dir, `logs-${++run}`), dynamic: true });
  const detach = attach(pm);
  const t0 = performance.now();
  const names: string[] = [];
  for (let i = 0; i < N; i++) names.push(pm.proc(`p${i}`, () => i));
  pm.start(names);
  await pm.waitForAll();
  const ms = performance.now() - t0;
  detach();
  return ms;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
async function measure(attach: (pm: ProcManager) => () => void, runs = 5): Promise<number> {
  await w1(attach); // warm-up
  const xs: number[] = [];
  for (let i = 0; i < runs; i++) xs.push(await w1(attach));
  return median(xs);
}

const childOut = process.argv[process.argv.indexOf('--pty-child') + 1];
if (process.argv.includes('--pty-child') && childOut) {
  // Under `script`: stdout is a pseudo-terminal.
  const none = await measure(() => () => {});
  const live = await measure((pm) => {
    const d = createDisplay('stdout', true, pm.reporterContext());
    const off = pm.onEvent(d.onEvent);
    return () => {
      off();
      d.dispose();
    };
  });
  await Bun.write(childOut, JSON.stringify({ isTTY: Boolean(process.stdout.isTTY), none, live }));
  rmSync(dir, { recursive: true, force: true });
  process.exit(0);
}

const none = await measure(() => () => {});
const file = join(dir, 'static.out');
const fileMs = await measure((pm) => {
  const fd = openSync(file, 'w');
  const r = new StaticReporter({ write: (t) => void writeSync(fd, t), color: false, ...pm.reporterContext() });
  const off = pm.onEvent(r.onEvent);
  return () => {
    off();
    closeSync(fd);
  };
});
const lines = readFileSync(file, 'utf8').split('\n').length - 1;
const result = join(dir, 'pty.json');
const child = Bun.spawnSync(['script', '-qfec', `${process.execPath} ${import.meta.path} --pty-child ${result}`, '/dev/null'], { stdout: 'ignore', stderr: 'inherit' });
if (child.exitCode !== 0) throw new Error('the pty run failed');
const pty = JSON.parse(readFileSync(result, 'utf8')) as { isTTY: boolean; none: number; live: number };

const row = (name: string, ms: number, base: number) => console.log(`${name.padEnd(52)} ${ms.toFixed(0).padStart(5)} ms   ×${(ms / base).toFixed(2)}`);
console.log(`W1: ${N} inline procs, parallel 100, median of 5 (target: reporters within ×1.3)`);
row('no reporter', none, none);
row(`static reporter → file (${lines} lines)`, fileMs, none);
row(`no reporter, on a pty (stdout.isTTY=${pty.isTTY})`, pty.none, pty.none);
row('live display on the pty', pty.live, pty.none);
rmSync(dir, { recursive: true, force: true });
