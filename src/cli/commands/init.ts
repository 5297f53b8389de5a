/** `parproc init`: a starter parproc.ts that runs as is (never overwrites), types for editors, `.parproc/` in .gitignore. */
import type { ArgsDef } from 'citty';
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fsErrorText } from '../../util/fs.ts';
import { join, resolve } from '../../util/path.ts';
import { writeStderr, writeStdout } from '../../util/stdio.ts';
import { CliError } from '../errors.ts';
import { defineCommand, parseFlags } from '../flags.ts';

export const initArgs = {
  cwd: { type: 'string', alias: 'C', description: 'write it in this directory (made if missing)', valueHint: 'dir' },
} satisfies ArgsDef;

export const initCommand = defineCommand({
  meta: { name: 'init', description: 'write a starter parproc.ts here (never overwrites)' },
  args: initArgs,
});

export const STARTER = `// parproc task file: run \`parproc\` (the default proc) or \`parproc list\`.
import { proc, proto } from 'parproc';

proc('hello', { description: 'say hello' }, (ctx) => {
  ctx.log('hello from', ctx.procName);
  return 'hello';
});

proto('greet::[who]', { description: 'greet someone', argChoices: { who: ['world', 'bun'] } }, async (ctx, { who }) => {
  return (await ctx.$\`echo hello \${who}\`.text()).trim();
});

proc('default', { description: 'everything', deps: ['hello', 'greet::world', 'greet::bun'] }, (ctx) => ctx.results);
`;

export async function runInit(rawArgs: string[]): Promise<number> {
  const args = parseFlags(rawArgs, initArgs, 'init');
  if (args._.length > 0) throw new CliError(`init: unexpected argument "${args._[0]}" (init takes no arguments)`);
  const dir = resolve(args.cwd ?? process.cwd());
  const path = join(dir, 'parproc.ts');
  if (existsSync(path)) throw new CliError(`init: ${path} already exists; not overwriting it`);
  try {
    // A new project's directory is made, as `git init dir` makes it.
    mkdirSync(dir, { recursive: true });
    writeFileSync(path, STARTER, { flag: 'wx' });
  } catch (err) {
    throw new CliError(`init: cannot write ${path}: ${fsErrorText(err)}`);
  }
  const ignored = ignoreParprocDir(join(dir, '.gitignore'));
  const { createConsola } = await import('consola');
  // Through parproc's synchronous writes: lines given to process.stdout (a pipe) could still be
  // queued when the CLI exits, and were lost.
  const sink = (write: (text: string) => void) => ({ write: (text: string) => (write(text), true) }) as unknown as NodeJS.WriteStream;
  // Its own level: consola falls silent under NODE_ENV=test, which a test runner passes down.
  const say = createConsola({ level: 3, stdout: sink(writeStdout), stderr: sink(writeStderr) });
  say.success(`wrote ${path}`);
  if (ignored) say.success(`added .parproc/ to ${ignored}`);
  // Types for editors and tsc, so `import … from 'parproc'` type-checks with the single binary too.
  const { writeTypes } = await import('./types.ts');
  const types = await writeTypes(dir);
  if ('dir' in types) say.success(`wrote parproc's types to ${types.dir} (for editors and tsc)`);
  else say.info(`types: ${types.skipped}`);
  say.info('run it with: parproc   (list what it defines: parproc list)');
  return 0;
}

/**
 * Adds `.parproc/` (logs and the task DB) to `.gitignore`, creating the file or appending to it,
 * never twice. Returns the file when it was changed, else `null`.
 */
function ignoreParprocDir(gitignore: string): string | null {
  const text = existsSync(gitignore) ? readFileSync(gitignore, 'utf8') : null;
  if (text !== null && text.split(/\r?\n/).some((l) => /^\/?\.parproc\/?$/.test(l.trim()))) return null;
  appendFileSync(gitignore, `${text && !text.endsWith('\n') ? '\n' : ''}.parproc/\n`);
  return gitignore;
}
