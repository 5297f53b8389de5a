/**
 * Argument parsing for citty's command definitions (citty renders the help). The parse is our own
 * and strict — unknown flags are errors, `-p k=v` repeats, numbers are checked — and it does not
 * load citty on the way to a run: citty's parser imports node:util, several milliseconds of every
 * start-up. Accepted: `--name`, `--name=value`, `--name value`, `-a`, `-a value`, `-avalue` (as
 * make takes `-j8`), `--no-name`, and `--` before arguments that are not flags; the result has
 * each flag under its name in kebab-case and camelCase, positionals in `_` and under their own
 * names.
 */
import type { ArgsDef, CommandDef, ParsedArgs } from 'citty';
import { CliError } from './errors.ts';
import { closestNames } from '../util/closest.ts';

/** A command's definition (citty's shape; citty itself is loaded only to render help). */
export const defineCommand = <T extends ArgsDef>(def: CommandDef<T>): CommandDef<T> => def;

/** Flags every command that reads a task file takes. */
export const TASK_FILE_ARGS = {
  file: { type: 'string', alias: 'f', description: 'the task file (default: parproc.ts here or in the nearest parent)', valueHint: 'path' },
  cwd: { type: 'string', alias: 'C', description: 'change to this directory first', valueHint: 'dir' },
} satisfies ArgsDef;

/** `-p k=v` (repeatable): params, set before the task file loads (run, list, graph). */
export const PARAM_ARG = {
  param: { type: 'string', alias: 'p', description: 'a param for ctx.params (repeatable)', valueHint: 'k=v' },
} satisfies ArgsDef;

/** The `-p k=v` params of a command line. */
export const paramsOf = (rawArgs: string[]): Record<string, string> => parseParams(repeated(rawArgs, ['p', 'param']));

/** `--db <path>`, for the commands that read the task DB without running. */
export const DB_ARG = {
  db: { type: 'string', description: 'the task DB (default .parproc/parproc.db beside the task file)', valueHint: 'path' },
} satisfies ArgsDef;

// Character loops, not regular expressions: compiling one costs more at start-up than these cost.
/** `noQuick` → `no-quick`. */
function kebab(s: string): string {
  let out = '';
  for (const c of s) out += c >= 'A' && c <= 'Z' ? `-${c.toLowerCase()}` : c;
  return out;
}
/** `no-quick` → `noQuick`. */
function camel(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const next = s[i + 1] as string;
    if (s[i] === '-' && next >= 'a' && next <= 'z') out += s[++i]?.toUpperCase();
    else out += s[i];
  }
  return out;
}

interface Flag {
  key: string;
  type: 'string' | 'boolean';
}

/**
 * The value of a one-letter option written with it (`-j8`, `-Cweb`, `-pk=v`), or `undefined`:
 * `arg` is `-` and the letter, then the value; `known(name)` tells the names that are options of
 * their own (`-param=x` is `--param`, not `-p` with `aram=x`).
 */
export function attachedValue(arg: string, letter: string, known: (name: string) => boolean): string | undefined {
  if (arg.length < 3 || arg[0] !== '-' || arg[1] !== letter || arg[2] === '=') return undefined;
  const eq = arg.indexOf('=');
  return known(eq < 0 ? arg.slice(1) : arg.slice(1, eq)) ? undefined : arg.slice(2);
}

/** Every name a flag of `def` answers to (its own, kebab-case, camelCase, aliases) → the flag. */
function flagTable(def: ArgsDef): Map<string, Flag> {
  const flags = new Map<string, Flag>();
  for (const [name, d] of Object.entries(def)) {
    if (d.type === 'positional') continue;
    const flag: Flag = { key: name, type: d.type === 'boolean' ? 'boolean' : 'string' };
    const alias = (d as { alias?: string | string[] }).alias;
    for (const n of [name, kebab(name), camel(name), ...(alias === undefined ? [] : Array.isArray(alias) ? alias : [alias])]) flags.set(n, flag);
  }
  return flags;
}

/**
 * `argv` without the flags `global` defines and `def` does not, with their values: `run`'s flags
 * given before another sub-command are global (`parproc -j 4 list`, from an alias of the
 * shell's), accepted and unused there. What neither knows stays, for the parser to report.
 */
export function withoutGlobalFlags(argv: string[], def: ArgsDef, global: ArgsDef): string[] {
  const own = flagTable(def);
  const theirs = flagTable(global);
  const knows = (table: Map<string, Flag>, name: string) => table.has(name) || (name.startsWith('no-') && table.has(name.slice(3)));
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') {
      out.push(...argv.slice(i));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      out.push(arg);
      continue;
    }
    const long = arg[1] === '-' || arg.length === 2 || !theirs.has(arg[1] as string);
    const body = arg.replace(/^--?/, '');
    const name = long ? (body.split('=')[0] as string) : (arg[1] as string);
    if (knows(own, name) || !knows(theirs, name)) {
      out.push(arg);
      continue;
    }
    // run's, not this command's: left out, with its value when that is the next word.
    const flag = theirs.get(name);
    if (flag?.type === 'string' && long && !body.includes('=')) i++;
  }
  return out;
}

/** Parses `rawArgs` against `def`; a flag `def` does not know is an error naming it. */
export function parseFlags<T extends ArgsDef>(rawArgs: string[], def: T, command: string): ParsedArgs<T> {
  const out: Record<string, unknown> = { _: [] };
  const positionals = out._ as string[];
  for (const [name, d] of Object.entries(def)) if (d.type !== 'positional' && d.default !== undefined) out[name] = d.default;
  // The table of names is made at the first flag: a bare `parproc run` (no flags) never needs it.
  let table: Map<string, Flag> | null = null;
  const flagsOf = (): Map<string, Flag> => (table ??= flagTable(def));
  for (let i = 0; i < rawArgs.length; i++) {
    const arg = rawArgs[i] as string;
    if (arg === '--') {
      positionals.push(...rawArgs.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    const flags = flagsOf();
    const short = arg[1] === '-' ? undefined : flags.get(arg[1] as string);
    const attached = short?.type === 'string' ? attachedValue(arg, arg[1] as string, (n) => flags.has(n)) : undefined;
    if (short !== undefined && attached !== undefined) {
      out[short.key] = attached;
      continue;
    }
    const body = arg.replace(/^--?/, '');
    const eq = body.indexOf('=');
    const name = eq < 0 ? body : body.slice(0, eq);
    const inline = eq < 0 ? undefined : body.slice(eq + 1);
    const flag = flags.get(name);
    // `--no-x` turns x off, string flags too (`--no-db`).
    if (flag === undefined && name.startsWith('no-') && flags.has(name.slice(3))) {
      out[(flags.get(name.slice(3)) as Flag).key] = false;
      continue;
    }
    if (flag === undefined) {
      // Its long names, and the two every command takes (`--verison`: did you mean --version?).
      const near = !arg.startsWith('--') || name.length < 3 ? [] : closestNames(name, [...[...flags.keys()].filter((k) => k.length > 1 && k === k.toLowerCase()), 'help', ...(command === 'run' ? ['version'] : [])]);
      // A sub-command written as an option (`parproc --list`): the command.
      const { commandNames } = require('./main.ts') as typeof import('./main.ts');
      const asCommand = arg.startsWith('--') && [...commandNames(), 'ls'].includes(name) ? name : null;
      const hint = asCommand !== null ? `${asCommand} is a command: parproc ${asCommand}; ` : near.length > 0 ? `did you mean ${near.map((n) => `--${n}`).join(', ')}? ` : '';
      throw new CliError(`${command}: unknown option "${arg}" (${hint}see parproc ${command} --help)`);
    }
    if (flag.type === 'boolean') {
      out[flag.key] = inline === undefined ? true : !['false', '0', 'no', ''].includes(inline);
      continue;
    }
    if (inline !== undefined) {
      out[flag.key] = inline;
      continue;
    }
    const next = rawArgs[i + 1];
    if (next === undefined) throw new CliError(`${command}: option "${arg}" needs a value`);
    out[flag.key] = next;
    i++;
  }
  let p = 0;
  for (const [name, d] of Object.entries(def)) {
    if (d.type === 'positional') {
      const value = positionals[p++];
      if (value !== undefined) out[name] = value;
      else if (d.default === undefined && d.required !== false) throw new CliError(`${command}: missing argument ${name.toUpperCase()}`);
      else out[name] = d.default;
    } else if (d.type === 'enum' && out[name] !== undefined && d.options?.length && !d.options.includes(out[name] as string)) {
      throw new CliError(`${command}: --${name} must be one of ${d.options.join(', ')}, got "${String(out[name])}"`);
    } else if (d.required && out[name] === undefined) throw new CliError(`${command}: option --${name} is required`);
    // A path given as '' (an unset shell variable: `-f "$TASKS"`) names nothing: said, not taken for "here".
    const hint = (d as { valueHint?: string }).valueHint;
    if (out[name] === '' && (hint === 'path' || hint === 'file' || hint === 'dir')) throw new CliError(`${command}: --${name} expects a ${hint === 'dir' ? 'directory' : 'path'}, got an empty string`);
  }
  // A command that names its one positional (history NAME, list PATTERN) takes no second one; one
  // named in the plural (clean's names) takes the rest, as do those that name none (run, graph).
  const named = Object.entries(def).filter(([, d]) => d.type === 'positional');
  if (named.length > 0 && positionals.length > named.length && !named.some(([n]) => n.endsWith('s'))) {
    throw new CliError(`${command}: unexpected argument "${positionals[named.length]}" (${command} takes one ${(named[0] as [string, unknown])[0].toUpperCase()})`);
  }
  // Every flag under its kebab-case and camelCase names, as citty's result has them.
  for (const [name, d] of Object.entries(def)) {
    if (d.type === 'positional' || !(name in out)) continue;
    out[kebab(name)] ??= out[name];
    out[camel(name)] ??= out[name];
  }
  return out as ParsedArgs<T>;
}

/** All values of a repeatable string flag (`-p a=1 -p b=2`, `-pa=1`), in order. */
export function repeated(rawArgs: string[], names: string[]): string[] {
  const out: string[] = [];
  const long = (n: string) => n.length > 1 && names.includes(n);
  for (let i = 0; i < rawArgs.length; i++) {
    const raw = rawArgs[i] as string;
    if (raw === '--') break;
    // A long name with one dash is that option, as parseFlags takes it (`-param=x`).
    const arg = raw[0] === '-' && raw[1] !== '-' && long(raw.slice(1).split('=')[0] as string) ? `-${raw}` : raw;
    for (const n of names) {
      const flag = n.length === 1 ? `-${n}` : `--${n}`;
      const attached = n.length === 1 ? attachedValue(arg, n, long) : undefined;
      if (arg === flag && rawArgs[i + 1] !== undefined) out.push(rawArgs[++i] as string);
      else if (arg.startsWith(`${flag}=`)) out.push(arg.slice(flag.length + 1));
      else if (attached !== undefined) out.push(attached);
    }
  }
  return out;
}

/** `k=v` pairs into params; values that look like JSON numbers/booleans stay strings. */
export function parseParams(pairs: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of pairs) {
    const eq = p.indexOf('=');
    if (eq <= 0) throw new CliError(`--param expects key=value, got "${p}"`);
    // Defined, not assigned: `-p __proto__=x` is a param like any other, not the object's prototype.
    Object.defineProperty(out, p.slice(0, eq), { value: p.slice(eq + 1), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** A positive integer flag value. */
export function positiveInt(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < 1) throw new CliError(`${flag} expects a whole number of at least 1, got "${value}"`);
  if (!Number.isSafeInteger(n)) throw new CliError(`${flag} is too large: "${value}" (at most ${Number.MAX_SAFE_INTEGER})`);
  return n;
}
