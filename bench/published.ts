/**
 * The package as published, for benchmarks that import it as users do: packed (`bun pm pack`,
 * whose prepack builds dist/lib, the bundled library) and installed into a project of its own
 * under `dir`. A tsconfig of its own: the project lives under bench/.tmp, and the repository's
 * tsconfig maps 'parproc' to the sources (Bun takes the nearest tsconfig's paths).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Published {
  /** The project the package is installed in (with an `empty.ts` and an `import.ts`). */
  project: string;
  /** What a script imports: the installed package's entry, or the sources when packing failed. */
  entry: string;
  /** Whether the package was packed and installed (else `entry` is the sources). */
  installed: boolean;
  /** Why it could not be, when it could not. */
  problem: string;
}

export function publish(dir: string): Published {
  const root = join(import.meta.dir, '..');
  const project = join(dir, 'f');
  mkdirSync(project, { recursive: true });
  const files: Record<string, string> = { 'package.json': '{ "name": "f", "private": true, "type": "module" }', 'tsconfig.json': '{}', 'import.ts': "import 'parproc';\n", 'empty.ts': '' };
  for (const [f, text] of Object.entries(files)) writeFileSync(join(project, f), text);
  const packed = Bun.spawnSync([process.execPath, 'pm', 'pack', '--destination', dir, '--quiet'], { cwd: root, stdout: 'pipe', stderr: 'pipe' });
  const tarball = packed.stdout.toString().trim().split('\n').pop() ?? '';
  const added = packed.exitCode === 0 ? Bun.spawnSync([process.execPath, 'add', join(dir, tarball.replace(/^.*\//, ''))], { cwd: project, stdout: 'pipe', stderr: 'pipe' }) : null;
  const installed = added?.exitCode === 0;
  return {
    project,
    entry: installed ? join(project, 'node_modules', 'parproc', 'index.cjs') : join(root, 'src', 'index.ts'),
    installed,
    problem: installed ? '' : `${packed.stderr.toString().slice(0, 200)} ${added?.stderr.toString().slice(0, 200) ?? ''}`.trim(),
  };
}
