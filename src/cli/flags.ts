/**
 * Argument parsing on top of citty's: citty parses and renders help; this adds what a task runner
 * needs and citty's lenient parser lacks: unknown flags are errors, `-p k=v` repeats, and numbers
 * are checked.
 */
import { parseArgs, type ArgsDef } from 'citty';
import { CliError } from './errors.ts';

/** Flags every command that reads a task file takes. */
export const TASK_FILE_ARGS = {
  file: { type: 'string', alias: 'f', description: 'the task file (default: parproc.ts here or in the nearest parent)', valueHint: 'path' },
  cwd: { type: 'string', alias: 'C', description: 'change to this directory first', valueHint: 'dir' },
} satisfies ArgsDef;

/** `--db <path>`, for the commands that read the task DB without running. */
export const DB_ARG = {
  db: { type: 'string', description: 'the task DB (default .parproc/parproc.db beside the task file)', valueHint: 'path' },
} satisfies ArgsDef;

const kebab = (s: string) => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** Checks flags against `def`, then parses with citty. */
export function parseFlags<T extends ArgsDef>(rawArgs: string[], def: T, command: string): ReturnType<typeof parseArgs<T>> {
  const known = new Map<string, 'string' | 'boolean'>();
  for (const [name, d] of Object.entries(def)) {
    if (d.type === 'positional') continue;
    const type = d.type === 'boolean' ? 'boolean' : 'string';
    const alias = (d as { alias?: string | string[] }).alias;
    const aliases = alias === undefined ? [] : Array.isArray(alias) ? alias : [alias];
    for (const n of [name, kebab(name), ...aliases]) known.set(n, type);
  }
  for (let i = 0; i < rawArgs.length; i++) {
    const arg = rawArgs[i] as string;
    if (arg === '--') break;
    if (!arg.startsWith('-') || arg === '-') continue;
    const body = arg.replace(/^--?/, '');
    const [name, inline] = body.includes('=') ? [body.slice(0, body.indexOf('=')), body.slice(body.indexOf('=') + 1)] : [body, undefined];
    let type = known.get(name);
    // citty reads `--no-x` as x = false, for string flags too (`--no-db`).
    if (type === undefined && name.startsWith('no-') && known.has(name.slice(3))) type = 'boolean';
    if (type === undefined) throw new CliError(`${command}: unknown option "${arg}" (see parproc ${command} --help)`);
    if (type === 'string' && inline === undefined) {
      const next = rawArgs[i + 1];
      if (next === undefined) throw new CliError(`${command}: option "${arg}" needs a value`);
      i++;
    }
  }
  try {
    return parseArgs(rawArgs, def);
  } catch (err) {
    throw new CliError(`${command}: ${Bun.stripANSI((err as Error).message)}`);
  }
}

/** All values of a repeatable string flag (`-p a=1 -p b=2`), in order. */
export function repeated(rawArgs: string[], names: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < rawArgs.length; i++) {
    const arg = rawArgs[i] as string;
    if (arg === '--') break;
    for (const n of names) {
      const flag = n.length === 1 ? `-${n}` : `--${n}`;
      if (arg === flag && rawArgs[i + 1] !== undefined) out.push(rawArgs[++i] as string);
      else if (arg.startsWith(`${flag}=`)) out.push(arg.slice(flag.length + 1));
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
    out[p.slice(0, eq)] = p.slice(eq + 1);
  }
  return out;
}

/** A positive integer flag value. */
export function positiveInt(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1) {
    throw new CliError(`${flag} expects a whole number of at least 1, got "${value}"`);
  }
  return n;
}
