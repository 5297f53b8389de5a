/**
 * `parproc types`: for a project that has only the single binary, writes parproc's declaration
 * files to node_modules/parproc (a types-only package), so editors and `tsc` resolve
 * `import … from 'parproc'` in task files with full types. The binary carries them (build.ts
 * embeds dist/types.json); a checkout uses the dist/types.json its build made.
 */
import type { ArgsDef } from 'citty';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isDirectory } from '../../util/fs.ts';
import { dirname, join, resolve } from '../../util/path.ts';
import pkg from '../../../package.json' with { type: 'json' };
import { writeStdout } from '../../util/stdio.ts';
import { CliError } from '../errors.ts';
import { defineCommand, parseFlags } from '../flags.ts';

export const typesArgs = {
  cwd: { type: 'string', alias: 'C', description: 'the project directory (default: here)', valueHint: 'dir' },
} satisfies ArgsDef;

export const typesCommand = defineCommand({
  meta: { name: 'types', description: "write parproc's declaration files to node_modules/parproc, for editors and tsc (with the single binary)" },
  args: typesArgs,
});

/** Marks a node_modules/parproc written by this command (never overwrite a real install). */
const MARK = 'parprocTypesOnly';

/** The declaration files this build carries, or `null` (a checkout not built yet). */
async function declarations(): Promise<Record<string, string> | null> {
  try {
    // A built file (not in the repository): the compiled binary bundles it, a checkout reads it.
    const built = '../../../dist/types.json';
    return (await import(built, { with: { type: 'json' } })).default as Record<string, string>;
  } catch {
    return null;
  }
}

/**
 * Writes parproc's declaration files to `<project>/node_modules/parproc` (a types-only package):
 * the directory written, or why nothing was (an installed parproc there brings its own; a build
 * without them).
 */
export async function writeTypes(project: string): Promise<{ dir: string } | { skipped: string }> {
  const dir = join(resolve(project), 'node_modules', 'parproc');
  const manifest = join(dir, 'package.json');
  if (existsSync(manifest)) {
    let marked = false;
    try {
      marked = JSON.parse(readFileSync(manifest, 'utf8'))[MARK] === true;
    } catch {
      marked = false;
    }
    if (!marked) return { skipped: `${dir} is an installed parproc; its types come with it` };
  }
  const files = await declarations();
  if (files === null) return { skipped: 'this build of parproc carries no declaration files (in a checkout, run bun run build.ts first)' };
  for (const [rel, text] of Object.entries(files)) {
    const path = join(dir, 'types', rel);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  }
  writeFileSync(
    manifest,
    `${JSON.stringify({ name: 'parproc', version: pkg.version, type: 'module', types: './types/index.d.ts', exports: { '.': { types: './types/index.d.ts' } }, [MARK]: true }, null, 2)}\n`,
  );
  return { dir };
}

export async function runTypes(rawArgs: string[]): Promise<number> {
  const args = parseFlags(rawArgs, typesArgs, 'types');
  if (args._.length > 0) throw new CliError(`types: unexpected argument "${args._[0]}" (types takes no arguments)`);
  const project = resolve(args.cwd ?? '.');
  if (!isDirectory(project)) throw new CliError(`types: -C: no such directory: ${args.cwd}`);
  const done = await writeTypes(project);
  if ('skipped' in done) throw new CliError(`types: ${done.skipped}`);
  writeStdout(`Wrote parproc's types to ${done.dir} (import 'parproc' in task files now type-checks; Bun's own types come from @types/bun).\n`);
  return 0;
}
