/**
 * Typed task files (issue 13): a task file type-checks under a user's strict tsconfig against the
 * package as installed from a packed tarball (declaration files through `exports`, so parproc's
 * sources are never compiled by the user's tsc). The single-binary set-up (`parproc types`) is
 * checked in binary.test.ts.
 */
import { afterAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../helpers/cli-rig.ts';
import { BADLY_TYPED_TASK_FILE, STRICT_TSCONFIG, TYPED_TASK_FILE } from '../helpers/task-files.ts';

setDefaultTimeout(120_000);

const dir = mkdtempSync(join(tmpdir(), 'parproc-types-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the project's TypeScript compiler on `cwd`. */
export function tsc(cwd: string): { code: number; out: string } {
  const p = Bun.spawnSync([process.execPath, join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', cwd], { cwd, stdout: 'pipe', stderr: 'pipe' });
  return { code: p.exitCode ?? 1, out: p.stdout.toString() + p.stderr.toString() };
}

describe('typed task files', () => {
  test('installed from the packed package: a strict tsconfig type-checks a task file, and catches a wrong option', () => {
    const packed = Bun.spawnSync([process.execPath, 'pm', 'pack', '--destination', dir, '--quiet'], { cwd: ROOT, stdout: 'pipe', stderr: 'pipe', env: process.env });
    expect(packed.exitCode, packed.stderr.toString()).toBe(0);
    const project = join(dir, 'project');
    mkdirSync(join(project, 'node_modules'), { recursive: true });
    writeFileSync(join(project, 'package.json'), '{ "name": "p", "private": true, "type": "module" }');
    const tarball = join(dir, 'parproc-0.1.0.tgz');
    const added = Bun.spawnSync([process.execPath, 'add', tarball], { cwd: project, stdout: 'pipe', stderr: 'pipe', env: process.env });
    expect(added.exitCode, added.stderr.toString()).toBe(0);
    // Bun's own types, as a Bun project has them.
    symlinkSync(join(ROOT, 'node_modules', '@types'), join(project, 'node_modules', '@types'));
    writeFileSync(join(project, 'tsconfig.json'), STRICT_TSCONFIG);
    writeFileSync(join(project, 'parproc.ts'), TYPED_TASK_FILE);
    writeFileSync(join(project, 'bad.ts'), BADLY_TYPED_TASK_FILE);
    // One run: the task file checks clean, the wrong option is caught, nothing inside parproc is.
    const r = tsc(project);
    expect(r.code).not.toBe(0);
    const errors = r.out.split('\n').filter((l) => /error TS/.test(l));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^bad\.ts\(2,\d+\): error TS2322: Type 'boolean' is not assignable/);
  });
});
