// Every example runs under the CLI (and as a plain Bun script); those that show failures exit 1.
import { describe, expect, test, setDefaultTimeout } from 'bun:test';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, SRC_CLI } from '../helpers/cli-rig.ts';

setDefaultTimeout(30_000);

const MUST_FAIL = new Set(['error.ts', 'failed_deps.ts', 'full_log_on_failure.ts', 'outputs_not_refreshed_error.ts']);
const examples = readdirSync(join(ROOT, 'examples')).filter((f) => f.endsWith('.ts')).sort();

describe('examples', () => {
  test('all original examples are here', () => {
    expect(examples).toEqual([
      'build_deploy.ts', 'error.ts', 'failed_deps.ts', 'full_log_on_failure.ts', 'long_output.ts',
      'outputs_not_refreshed_error.ts', 'success.ts', 'watch_mode.ts',
    ]);
  });

  for (const file of examples) {
    const want = MUST_FAIL.has(file) ? 1 : 0;
    test(`${file} exits ${want} under the CLI and as a script`, async () => {
      // A copy in a temp dir (with parproc installed there as a link), so the CLI's .parproc/
      // lands there, not in the repository.
      const dir = mkdtempSync(join(tmpdir(), 'parproc-example-'));
      try {
        mkdirSync(join(dir, 'node_modules'));
        symlinkSync(ROOT, join(dir, 'node_modules', 'parproc'));
        copyFileSync(join(ROOT, 'examples', file), join(dir, file));
        for (const cmd of [[process.execPath, SRC_CLI, '-f', file], [process.execPath, file]]) {
          const p = Bun.spawn(cmd, { cwd: dir, stdout: 'pipe', stderr: 'pipe', env: { ...process.env, NO_COLOR: '1' } });
          const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
          expect(code, `${cmd.join(' ')}\n${out}${err}`).toBe(want);
          expect(out).toMatch(want === 0 ? /Done in/ : /Failed in/);
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
