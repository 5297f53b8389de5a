/**
 * What every task-file command does first: change directory, find and load the task file into a
 * held default manager (nothing starts while loading), and turn target names into procs.
 */
import { statSync } from 'node:fs';
import { dirname, join, resolve } from '../util/path.ts';
import { setDefaultManager } from '../index.ts';
import { ProcManager } from '../manager.ts';
import { closestNames } from '../util/closest.ts';
import { compilePattern, globToRegex, matchPattern } from '../graph/pattern.ts';
import { protoGlob, protosNamedWithoutArgs } from '../graph/unknown-deps.ts';
import { stoppedAtTopLevel } from '../runners/top-level-stop.ts';
import { CliError, TaskFileError } from './errors.ts';
import { findTaskFile, loadTaskFile } from './task-file.ts';
import type { LoadRecord } from './load-tracker.ts';

export interface Session {
  pm: ProcManager;
  taskFile: string;
  /** What loading the task file depended on (for the no-op seal). */
  load: LoadRecord | null;
  /** The directory the command was given (after `-C`): relative paths in flags are from here. */
  invokedIn: string;
}

/**
 * Loads the task file named by `-f`/`-C` (or found, then in its directory) into a fresh, held default manager.
 * `attach` sees the manager before the task file runs, so reporters see `now: true` procs too.
 */
export async function openSession(
  flags: { file?: string | undefined; cwd?: string | undefined; json?: boolean | undefined },
  attach?: (pm: ProcManager) => void,
): Promise<Session> {
  if (flags.cwd !== undefined) {
    const dir = resolve(flags.cwd);
    let st;
    try {
      st = statSync(dir, { throwIfNoEntry: false });
    } catch {
      st = undefined; // out of reach: a file on the way, no permission
    }
    if (st === undefined) throw new CliError(`-C: no such directory: ${flags.cwd}`);
    if (!st.isDirectory()) throw new CliError(`-C: not a directory: ${flags.cwd}`);
    process.chdir(dir);
  }
  const invokedIn = process.cwd();
  const taskFile = findTaskFile(invokedIn, flags.file);
  // A task file found in a parent directory runs there, as just, go-task and npm run do: its
  // relative paths (inputs, outputs, commands) mean the same from every subdirectory. One named
  // by -f runs here, as make -f does.
  if (flags.file === undefined && dirname(taskFile) !== invokedIn) process.chdir(dirname(taskFile));
  const pm = setDefaultManager(new ProcManager({ display: false, ...cliDefaults(taskFile) }));
  pm.hold();
  pm.setSourceRoot(taskFile);
  attach?.(pm);
  const load = await loadTaskFile(taskFile, flags.json === true);
  // Let `now: true` procs registered at the top level become wanted (held, so none starts).
  await new Promise<void>((r) => setImmediate(r));
  // The whole file has loaded: a dep that names nothing is a typo, not a proc defined later.
  const [unknown] = pm.unknownDeps();
  if (unknown) {
    throw new TaskFileError(
      `proc "${unknown.proc}": dependency "${unknown.dep}" is not a proc or a proto name${unknown.hint.length ? ` (did you mean ${unknown.hint.join(', ')}?)` : ''}`,
    );
  }
  return { pm, taskFile, load, invokedIn };
}

/** Where a project keeps its task DB (`null`: turned off) and its logs, as absolute paths. */
export interface ProjectPlaces {
  taskFile: string;
  taskDbPath: string | null;
  logDir: string;
}

/**
 * Where a project keeps its task DB and logs, for the commands that read them without running
 * (`history`, `clean`): as the task file sets them (`setOptions({ taskDbPath, logDir })`), else
 * the CLI's defaults beside it — also when the file does not load (a syntax error: its history is
 * still there to read). Its top-level output goes to stderr.
 */
export async function projectPlaces(flags: { file?: string | undefined; cwd?: string | undefined }): Promise<ProjectPlaces> {
  const taskFile = findTaskFile(resolve(flags.cwd ?? '.'), flags.file);
  const here = process.cwd();
  try {
    const { pm } = await openSession({ ...flags, json: true });
    const o = pm.getOptions();
    pm.close();
    return { taskFile, taskDbPath: o.taskDbPath === null ? null : resolve(o.taskDbPath), logDir: resolve(o.logDir ?? cliDefaults(taskFile).logDir) };
  } catch {
    return { taskFile, ...cliDefaults(taskFile) };
  } finally {
    process.chdir(here);
  }
}

/** The CLI's defaults beside the task file: logs in `.parproc/logs`, the task DB `.parproc/parproc.db`. */
export function cliDefaults(taskFile: string): { logDir: string; taskDbPath: string } {
  const dir = join(dirname(taskFile), '.parproc');
  return { logDir: join(dir, 'logs'), taskDbPath: join(dir, 'parproc.db') };
}

/** Names a target could have meant: procs, and proto names filled from static choices. */
export function candidates(pm: ProcManager, target?: string): string[] {
  const out = pm.procNames();
  const sep = pm.getOptions().nameParamSeparator;
  const given = target?.split(sep);
  for (const p of pm.getProtos().values()) {
    out.push(p.pattern);
    // The pattern filled from the target's own segments: `chld::5` is near `child::[n]` as `child::5`.
    const parts = p.pattern.split(sep);
    if (given !== undefined && parts.length === given.length && !given.includes('')) out.push(parts.map((s, i) => (/^\[\w+\]$/.test(s) ? given[i] : s)).join(sep));
    if (!p.argChoices || typeof p.argChoices === 'function') continue;
    let names = [p.pattern];
    for (const param of p.params) {
      const list = p.argChoices[param];
      if (!Array.isArray(list)) continue;
      names = names.flatMap((n) => list.map((v) => n.replace(`[${param}]`, String(v))));
      if (names.length > 2000) break;
    }
    out.push(...names);
  }
  return out;
}

/** Proc names for targets: names, filled-out proto names, globs over argChoices, else over proc names. */
export function resolveTargets(pm: ProcManager, targets: string[]): string[] {
  const out: string[] = [];
  const procs = new Set(pm.procNames());
  for (const t of targets) {
    if (procs.has(t)) {
      out.push(t);
      continue;
    }
    if (t === '') throw new CliError('a target name cannot be empty');
    try {
      out.push(...pm.create(t));
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === 'E_MISSING_ARG' && pm.getProtos().has(t)) throw new CliError(patternAsTarget(pm, t));
      if (code !== 'E_NO_PROTO' && code !== 'E_CHOICE') throw err;
      // A value outside a proto's choices: say what is allowed (and a close name, if one exists).
      if (code === 'E_CHOICE') {
        const hint = closestNames(t, candidates(pm));
        throw new CliError(`${(err as Error).message}${hint.length ? ` (did you mean ${hint.join(', ')}?)` : ''}`);
      }
      // A glob no proto takes: the procs it names (`test:*` for test:unit and test:e2e).
      if (/[*?]/.test(t)) {
        const re = globToRegex(t);
        const named = [...procs].filter((n) => re.test(n));
        if (named.length > 0) {
          out.push(...named);
          continue;
        }
      }
      const named = protosNamedWithoutArgs(t, pm.getProtos().values(), pm.getOptions().nameParamSeparator);
      const hint = [...named, ...closestNames(t, candidates(pm, t))].filter((h) => h !== t);
      // A task file written as a script stops at its top-level wait: what it defines below is not seen.
      const stopped = stoppedAtTopLevel() ? '; the task file stopped at a top-level waitForAll() or waitClear(), and procs it defines after that are not seen' : '';
      // `parproc help` (no proc of that name): where the usage is.
      const usage = t === 'help' ? '; parproc --help shows the usage' : hint.length === 0 ? commandHint(t) : '';
      throw new CliError(`unknown target "${t}"${hint.length ? ` (did you mean ${hint.join(', ')}?)` : ''}${stopped}${usage}`);
    }
  }
  return out;
}

/** A target that is a misspelt sub-command (`parproc hisotry`): which one. */
function commandHint(target: string): string {
  const { commandNames } = require('./main.ts') as typeof import('./main.ts');
  const near = closestNames(target, commandNames());
  return near.length > 0 ? ` (did you mean the command ${near.map((c) => `parproc ${c}`).join(', ')}?)` : '';
}

/** A proto's pattern named as a target without defaults for its args: which names to give instead. */
function patternAsTarget(pm: ProcManager, pattern: string): string {
  const proto = pm.getProtos().get(pattern)!;
  const compiled = compilePattern(pattern, pm.getOptions().nameParamSeparator);
  const examples = [...new Set(candidates(pm))].filter((n) => n !== pattern && matchPattern(compiled, n) !== null);
  const glob = protoGlob(proto);
  const instead = [...examples.slice(0, 3), ...(examples.length > 3 ? ['…'] : []), ...(glob === null ? [] : [glob])];
  const args = proto.params.map((k) => `"${k}"`).join(' and ');
  return `target "${pattern}" is a proto's pattern: name its ${args} in the target${instead.length ? ` (${instead.join(', ')})` : ''}`;
}

/**
 * What to run without targets: the `default` proc; else the `now: true` procs (already wanted);
 * else `null` (print the list).
 */
export function defaultTargets(pm: ProcManager): string[] | null {
  if (pm.procNames().includes('default')) return ['default'];
  const wanted = pm.procNames({ active: true });
  return wanted.length > 0 ? wanted : null;
}
