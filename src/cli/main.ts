/**
 * Dispatch: `parproc [command] …`, where a first word that is not a command means `run`. The only
 * place errors become exit codes: usage and definition errors print one line and exit 2.
 */
import type { CommandDef } from 'citty';
import pkg from '../../package.json' with { type: 'json' };
import { writeStderr, writeStdout } from '../util/stdio.ts';
import { EXIT, usageMessage } from './errors.ts';

interface Entry {
  /** The command's definition, for help. */
  def: () => Promise<CommandDef<any>>; // eslint-disable-line @typescript-eslint/no-explicit-any -- citty's defs are invariant in their args
  run: (rawArgs: string[]) => Promise<number>;
}

const COMMANDS: Record<string, Entry> = {
  run: { def: async () => (await import('./commands/run.ts')).runCommand, run: async (a) => (await import('./commands/run.ts')).runRun(a) },
  list: { def: async () => (await import('./commands/list.ts')).listCommand, run: async (a) => (await import('./commands/list.ts')).runList(a) },
  graph: { def: async () => (await import('./commands/graph.ts')).graphCommand, run: async (a) => (await import('./commands/graph.ts')).runGraph(a) },
  init: { def: async () => (await import('./commands/init.ts')).initCommand, run: async (a) => (await import('./commands/init.ts')).runInit(a) },
  history: { def: async () => (await import('./commands/history.ts')).historyCommand, run: async (a) => (await import('./commands/history.ts')).runHistory(a) },
  clean: { def: async () => (await import('./commands/clean.ts')).cleanCommand, run: async (a) => (await import('./commands/clean.ts')).runClean(a) },
  types: { def: async () => (await import('./commands/types.ts')).typesCommand, run: async (a) => (await import('./commands/types.ts')).runTypes(a) },
  completion: { def: async () => (await import('./commands/completion.ts')).completionCommand, run: async (a) => (await import('./commands/completion.ts')).runCompletion(a) },
  __complete: { def: async () => (await import('./commands/completion.ts')).completionCommand, run: async (a) => (await import('./commands/completion.ts')).runComplete(a) },
};
const ALIASES: Record<string, string> = { ls: 'list' };

/** The sub-commands people type (for "did you mean" on a target that is none). */
export const commandNames = (): string[] => Object.keys(COMMANDS).filter((c) => !c.startsWith('_'));

const TOP_HELP = `parproc ${pkg.version} — run a task file's procs in parallel, incrementally

Usage: parproc [command] [options]

Commands:
  run [targets...]     run targets and what they need (the default command)
  list [pattern]       (ls) procs and protos: description, deps, arg choices
  graph [targets]      the graph the targets would run: --format mermaid|dot|json
  init                 write a starter parproc.ts (never overwrites)
  history [name]       recorded runs and expected durations (--limit, --json)
  clean [names...]     forget cached results (--logs also deletes logs)
  types                write parproc's types to node_modules/parproc (for editors, with the binary)
  completion <shell>   print a completion script for bash, zsh or fish

Options: parproc <command> --help.  parproc --version.
`;

/** Flags that take a value, of any command: their value is never the sub-command. */
const VALUE_FLAGS = new Set([
  '-f', '--file', '-C', '--cwd', '-j', '--parallel', '--mode', '-p', '--param', '--db', '--trace', '--limit', '--format', '--snippets',
  '--remote-cache', '--remote-team',
]);

/** A command's definition by its name or alias (for completion), or `null`. */
export async function commandDef(word: string): Promise<CommandDef<any> | null> { // eslint-disable-line @typescript-eslint/no-explicit-any -- as Entry.def
  const name = ALIASES[word] ?? word;
  return name in COMMANDS && !name.startsWith('_') ? (COMMANDS[name] as Entry).def() : null;
}

/** Whether `flag` takes a value (the next word), whatever the command. */
export const takesValue = (flag: string): boolean => VALUE_FLAGS.has(flag);

/** Where the sub-command stands: the first word that is neither a flag nor a flag's value. */
export function commandIndex(argv: string[]): number {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--') return -1;
    if (a.startsWith('-')) {
      if (VALUE_FLAGS.has(a)) i++;
      continue;
    }
    return i;
  }
  return -1;
}

/** `words` (before the sub-command) without run's flags that `entry`'s command does not take. */
async function globalFlags(words: string[], entry: Entry): Promise<string[]> {
  const [{ withoutGlobalFlags }, own, run] = await Promise.all([import('./flags.ts'), entry.def(), (COMMANDS.run as Entry).def()]);
  return withoutGlobalFlags(words, own.args ?? {}, run.args ?? {});
}

export async function main(argv: string[]): Promise<number> {
  // Global flags may come before the sub-command: `parproc -C dir list`, `parproc -j 2 run x`.
  const at = commandIndex(argv);
  const word = at < 0 ? undefined : (argv[at] as string);
  const name = word === undefined ? undefined : (ALIASES[word] ?? word);
  const explicit = name !== undefined && name in COMMANDS;
  const entry = COMMANDS[explicit ? (name as string) : 'run'] as Entry;
  // run's flags before another sub-command are global: that command leaves them out.
  const before = explicit && at > 0 && name !== 'run' ? await globalFlags(argv.slice(0, at), entry) : argv.slice(0, at);
  const rest = explicit ? [...before, ...argv.slice(at + 1)] : argv;
  const first = argv[0];
  if (!explicit && (first === '--help' || first === '-h')) {
    writeStdout(TOP_HELP);
    return EXIT.ok;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    const def = await entry.def();
    const { renderUsage } = await import('citty');
    // citty pads every option line to the widest one: trailing blanks wrap a narrow terminal.
    writeStdout(`${Bun.stripANSI(await renderUsage(def)).replace(/[ \t]+$/gm, '')}\n`);
    return EXIT.ok;
  }
  try {
    return await entry.run(rest);
  } catch (err) {
    const msg = usageMessage(err);
    if (msg !== null) {
      writeStderr(`parproc: ${msg}\n`);
      return EXIT.usage;
    }
    writeStderr(`parproc: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return EXIT.failed;
  }
}
