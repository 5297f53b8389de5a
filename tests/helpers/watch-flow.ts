/** The CLI watch flow, shared by the tests of `bun src/cli.ts` and of the compiled binary. */
import { expect } from 'bun:test';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type CliRig, processesIn, processesMatching, StreamReader } from './cli-rig.ts';
import { WATCH_TASK_FILE } from './task-files.ts';

/** Runs the watch flow against `rig` (shared with the compiled binary's test). */
export async function watchFlow(rig: CliRig, step: (s: string) => void = () => {}): Promise<void> {
  const marker = `65.${process.pid}${Date.now() % 1000}`;
  rig.write({ 'parproc.ts': WATCH_TASK_FILE(marker, 'v1'), 'src/a.txt': 'one\n' });
  const child = rig.spawn(['-w', '--json', '--no-db']);
  const out = new StreamReader(child.stdout);
  const err = new StreamReader(child.stderr);
  await out.until((t) => t.includes('"type":"watch-ready"'));
  step('1');

  writeFileSync(join(rig.dir, 'src/a.txt'), 'two\n');
  await out.until((t) => t.includes('"type":"watch-rebuild"') && t.includes('a sees two'));
  step('2');
  expect(out.text).toMatch(/"type":"watch-rebuild","at":\d+,"changed":\["src\/a.txt"\],"procs":\["a","default"\]/);
  // The display (stderr under --json) names the changed file and the procs in dependency order.
  await err.until((t) => t.includes('↻ '));
  expect(err.text).toContain('↻ src/a.txt changed: rebuilding a, default\n');

  writeFileSync(join(rig.dir, 'parproc.ts'), 'this is ((( not TypeScript\n');
  await err.until((t) => t.includes('still watching'));
  step('3');
  expect(err.text).toMatch(/parproc: error in task file parproc\.ts:1:\d+: .* \(still watching\)\n/);

  writeFileSync(join(rig.dir, 'parproc.ts'), WATCH_TASK_FILE(marker, 'v2'));
  await out.until((t) => t.includes('definitions v2'));
  step('4');
  expect(err.text).toContain('parproc.ts changed: reloading');
  await out.until((t) => t.split('"type":"watch-ready"').length === 3);
  step('5');

  child.kill('SIGINT');
  expect(await child.exited).toBe(130);
  await out.rest();
  expect(processesMatching(`sleep ${marker}`)).toEqual([]);
  expect(processesIn(rig.dir)).toEqual([]);
}

