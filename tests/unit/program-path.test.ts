/**
 * A command's program is looked up in PATH once per run (runners/program-path.ts): the program
 * still sees the name it was called by, the proc's own PATH counts, a program that moves during a
 * run is found again, and the next run looks afresh.
 */
import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProcManager } from '../../src/index.ts';

setDefaultTimeout(20_000);

function project(): { dir: string; bin: (name: string, body: string, where?: string) => string; pm: () => ProcManager; [Symbol.dispose](): void } {
  const dir = mkdtempSync(join(tmpdir(), 'parproc-program-'));
  return {
    dir,
    /** An executable script `name` in `where` (default `bin1`) that runs `body`. */
    bin(name, body, where = 'bin1') {
      const d = join(dir, where);
      mkdirSync(d, { recursive: true });
      const path = join(d, name);
      writeFileSync(path, `#!/bin/sh\n${body}\n`);
      chmodSync(path, 0o755);
      return path;
    },
    pm: () => new ProcManager({ display: false, logDir: join(dir, 'logs'), parallel: 1 }),
    [Symbol.dispose]: () => rmSync(dir, { recursive: true, force: true }),
  };
}

const log = (pm: ProcManager, name: string) => readFileSync(pm.getProcs().get(name)!.logFile!, 'utf8');

describe('programs found in PATH', () => {
  test('the program sees the name it was called by, and the PATH of its proc counts', async () => {
    using p = project();
    p.bin('which-one', 'echo one');
    p.bin('which-one', 'echo two', 'bin2');
    const pm = p.pm();
    // argv[0] as the program sees it: the name, not the path it was found at.
    pm.proc('argv0', ['cat', '/proc/self/cmdline']);
    pm.proc('first', { env: { PATH: `${join(p.dir, 'bin1')}:/usr/bin:/bin` } }, ['which-one']);
    pm.proc('second', { deps: ['first'], env: { PATH: `${join(p.dir, 'bin2')}:/usr/bin:/bin` } }, ['which-one']);
    pm.start('argv0', 'second');
    await pm.waitForAll();
    expect(log(pm, 'argv0').split('\0')[0]).toBe('cat');
    expect(log(pm, 'first')).toBe('one\n');
    expect(log(pm, 'second')).toBe('two\n');
  });

  test('a program moved during a run is found where it went; the next run looks again', async () => {
    using p = project();
    const first = p.bin('tool', 'echo "tool from $(basename $(dirname $0))"');
    const path = `${join(p.dir, 'bin1')}:${join(p.dir, 'bin2')}:/usr/bin:/bin`;
    const pm = p.pm();
    pm.proc('a', { env: { PATH: path } }, ['tool']);
    pm.proc('move', { deps: ['a'] }, () => {
      mkdirSync(join(p.dir, 'bin2'), { recursive: true });
      renameSync(first, join(p.dir, 'bin2', 'tool'));
    });
    pm.proc('b', { deps: ['move'], env: { PATH: path } }, ['tool']);
    pm.start('b');
    await pm.waitForAll();
    expect(log(pm, 'a')).toBe('tool from bin1\n');
    expect(log(pm, 'b')).toBe('tool from bin2\n');
    // Between runs: a program put earlier in PATH is the one the next run finds.
    p.bin('tool', 'echo "tool from $(basename $(dirname $0)) again"');
    const next = p.pm();
    next.proc('c', { env: { PATH: path } }, ['tool']);
    next.start('c');
    await next.waitForAll();
    expect(log(next, 'c')).toBe('tool from bin1 again\n');
  });

  test('a program that is nowhere in PATH fails its proc with the usual message', async () => {
    using p = project();
    const pm = p.pm();
    pm.proc('missing', ['parproc-no-such-program-x']);
    pm.start('missing');
    await pm.waitForAll({ throwOnFailure: false });
    const info = pm.getProcs().get('missing')!;
    expect(info.state).toBe('failed');
    expect(log(pm, 'missing')).toContain('parproc-no-such-program-x');
  });
});
