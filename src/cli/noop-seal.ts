/**
 * The no-op seal (issue 11): when `parproc run` found every proc up to date from stats and cached
 * rows alone, it writes down everything that decision rested on — the files the checks stat'ed,
 * the task file's modules and what loading it read, the task DB, the arguments, the working
 * directory, the environment, parproc's own build — and what it printed. The next identical
 * command whose stamps all still match prints the same (with its own time) without loading the
 * task file: the result a full run would reach, at the cost of the stats.
 *
 * This module is what the CLI's entry reads before anything else loads (node:fs through require,
 * so the load tracker's wrappers still come first); writing a seal is `writeSeal`.
 */
import pkg from '../../package.json' with { type: 'json' };
import { formatDuration } from '../util/duration.ts';
import { fs } from '../util/fs.ts';
import { dirname, join, resolve } from '../util/path.ts';
import { writeStderr, writeStdout } from '../util/stdio.ts';
import { isTerminal } from '../util/tty.ts';
import { locateTaskFile } from './locate-task-file.ts';

/** Bumped when the format or what it stands for changes: older seals are then ignored. */
const FORMAT = 1;
/** Seals kept per project (one per distinct command line and directory). */
const KEEP = 16;
/** Where the run's time goes in the recorded output. */
export const DURATION_MARK = '\u0000';

/**
 * Variables a shell keeps for itself, left out of the seal's key: `_` (the path it started the
 * command by: `./dist/parproc run` and `parproc run`), `OLDPWD` (changed by every `cd`) and
 * `SHLVL` (one more in every nested shell: a tmux pane, an editor's terminal, `bash -c`). With
 * them in, the same command in the same directory missed its seal after a `cd` elsewhere and
 * back. A task file's graph does not depend on them, and a replay runs nothing.
 */
const SHELL_BOOKKEEPING = ['_', 'OLDPWD', 'SHLVL'];

/**
 * A file as the decision saw it: missing (`[path]`), as the checks compare it (`[path, mtimeMs,
 * size]`, also the task DB's WAL), or strictly, for modules, what loading read and the task DB
 * (`[path, mtimeMs, size, ctimeMs, ino]`).
 */
type Stamp = [string] | [string, number, number] | [string, number, number, number, number];

interface Seal {
  format: number;
  key: string;
  files: Stamp[];
  /** What the run wrote, by file descriptor (1 stdout, 2 stderr), in order. */
  out: [1 | 2, string][];
}

/** The command line this process started with, as `replaySeal` found it. */
let started: Invocation | null = null;

/** Where a command line's seal lives, and the key it must match. */
export interface Invocation {
  file: string;
  /** Beside the seal: there when this command line's last run ran a proc that runs every time (`rememberAlwaysRuns`). */
  always: string;
  key: () => string;
  /** The `.parproc` directory beside the task file the command would load. */
  dir: string;
}

/** A flag's value in `argv` (`-C dir`, `-Cdir`, `--cwd dir`, `--cwd=dir`), the last one given. */
function flagValue(argv: readonly string[], short: string, long: string): string | undefined {
  let v: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--') break;
    if (a === short || a === long) v = argv[++i];
    else if (a.startsWith(`${long}=`)) v = a.slice(long.length + 1);
    else if (a.startsWith(short) && !a.startsWith('--')) v = a.slice(short.length);
  }
  return v;
}

/** The task file the command would load (`-C`, `-f`, else found from here); `null` if none. */
function taskFileOf(argv: readonly string[]): string | null {
  const cwdFlag = flagValue(argv, '-C', '--cwd');
  return locateTaskFile(cwdFlag === undefined ? process.cwd() : resolve(cwdFlag), flagValue(argv, '-f', '--file'));
}

/** parproc's own build: the binary, or the entry script run by `bun`. */
function buildStamp(): string {
  const self = Bun.main.startsWith('/$bunfs/') ? process.execPath : Bun.main;
  const st = fs().statSync(self, { throwIfNoEntry: false });
  return `${pkg.version}:${self}:${st?.mtimeMs}:${st?.size}:${Bun.version}:${Bun.revision}`;
}

/**
 * The seal for `argv` run here: its file, and its key — computed when first asked (a command
 * without a seal never pays for it) from what was found at the start. The key covers everything
 * that could make the same task file build another graph or print otherwise: the arguments, the
 * working directory, the whole environment (but a shell's own bookkeeping, `SHELL_BOOKKEEPING`),
 * where output goes, and parproc's build.
 */
export function invocation(argv: readonly string[]): Invocation | null {
  if (process.env.PARPROC_QUICK === '0') return null;
  let taskFile: string | null;
  try {
    taskFile = taskFileOf(argv);
  } catch {
    return null;
  }
  if (taskFile === null) return null;
  const dir = join(dirname(taskFile), '.parproc');
  const cwd = process.cwd();
  const env = { ...process.env };
  for (const name of SHELL_BOOKKEEPING) delete env[name];
  let key: string | null = null;
  // One seal per command line, directory and environment (the key says the rest).
  const name = Bun.hash(`${cwd}\0${argv.join('\0')}\0${JSON.stringify(env)}`).toString(36);
  return {
    file: join(dir, 'quick', `${name}.json`),
    always: join(dir, 'quick', `${name}.always`),
    dir,
    key: () => {
      const vars = Object.entries(env).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      key ??= Bun.hash(JSON.stringify([FORMAT, buildStamp(), taskFile, cwd, argv, vars, isTerminal(1), isTerminal(2)])).toString(36);
      return key;
    },
  };
}

/** A path's stats; `undefined` when it is missing or out of reach (a file on the way, no permission). */
function statOf(p: string) {
  try {
    return fs().statSync(p, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}

/** A file as it is now, for comparing (`[path]` when missing or out of reach). */
export function stampOf(p: string, strict: boolean): Stamp {
  const st = statOf(p);
  if (st === undefined) return [p];
  return strict ? [p, st.mtimeMs, st.size, st.ctimeMs, st.ino] : [p, st.mtimeMs, st.size];
}

function matches(s: Stamp): boolean {
  const st = statOf(s[0]);
  if (st === undefined) return s.length === 1;
  if (s.length === 1 || st.mtimeMs !== s[1] || st.size !== s[2]) return false;
  return s.length === 3 || (st.ctimeMs === s[3] && st.ino === s[4]);
}


/**
 * Replays the seal of this command line when every stamp still matches: prints what the last run
 * printed, with the time this check took, and returns the exit code (0). `null`: run normally.
 */
export function replaySeal(argv: readonly string[], startedAt: number): number | null {
  const inv = invocation(argv);
  started = inv;
  if (inv === null) return null;
  let seal: Seal;
  try {
    if (!fs().existsSync(inv.file)) return null;
    seal = JSON.parse(fs().readFileSync(inv.file, 'utf8')) as Seal;
  } catch {
    return null;
  }
  if (seal.format !== FORMAT || seal.key !== inv.key() || !Array.isArray(seal.files) || !Array.isArray(seal.out)) return null;
  if (!seal.out.every((o) => Array.isArray(o) && (o[0] === 1 || o[0] === 2) && typeof o[1] === 'string')) return null;
  for (const s of seal.files) if (!matches(s)) return null;
  const took = formatDuration(performance.now() - startedAt);
  for (const [fd, text] of seal.out) (fd === 1 ? writeStdout : writeStderr)(text.replace(DURATION_MARK, took));
  if (process.env.PARPROC_DEBUG_SEAL === '1') writeStderr('parproc: seal replayed\n');
  return 0;
}

/** Whether the mark was there when this run started (`sealMayFollow` looked), if it looked. */
let marked: boolean | null = null;

/**
 * Whether this run's load is worth tracking for a seal (./load-tracker.ts: about 0.5 ms a run):
 * the command line can have a seal (`replaySeal` found its place), and its last run did not run a
 * proc that runs every time (no deps and no inputs, `noSkip`, no task DB, `--full`) — a graph
 * with one is never a no-op. The mark is checked again at the end of every run: once no such
 * proc runs (the task file changed), it goes, and the next run is tracked.
 */
export function sealMayFollow(): boolean {
  if (started === null) return false;
  marked = fs().existsSync(started.always);
  if (!marked) return true;
  if (process.env.PARPROC_DEBUG_SEAL === '1') writeStderr('parproc: load not tracked (the last run ran a proc that runs every time)\n');
  return false;
}

/**
 * Marks this command line as one whose runs always run something, or unmarks it (a file written
 * or removed only when that changes). Only a hint: a mark that cannot be written or removed
 * costs at most a seal.
 */
export function rememberAlwaysRuns(yes: boolean): void {
  const inv = started;
  if (inv === null) return;
  // What sealMayFollow found stands: no second look at the file, and no removal of a mark
  // that was not there.
  const was = marked ?? fs().existsSync(inv.always);
  if (yes === was) return;
  try {
    if (!yes) fs().rmSync(inv.always, { force: true });
    else {
      const dir = dirname(inv.always);
      fs().mkdirSync(dir, { recursive: true });
      fs().writeFileSync(inv.always, '');
      prune(dir, '.always');
    }
  } catch {
    // a hint only
  }
}

/** What a sealed run rested on, gathered by the run command. */
export interface SealInput {
  taskFile: string;
  /**
   * Files to stamp strictly (the task file's modules, what loading it read, the task DB), each
   * with the time it was first read: changed at or after that (to the timestamp's coarseness), it
   * may have changed after it was read, and there is no seal. `Infinity`: the caller made sure
   * otherwise that it did not change.
   */
  strict: Iterable<[string, number]>;
  /**
   * Files stamped by mtime and size only: the task DB's WAL, which stays between runs, empty, and
   * whose ctime SQLite changes at every open by root (it chowns the file to the DB's owner).
   */
  loose: Iterable<string>;
  /** The checks' stats: a path's mtime and size, or `null` when it was missing. */
  checked: ReadonlyMap<string, { mtimeMs: number; size: number } | null>;
  out: [1 | 2, string][];
}

/** Coarse file timestamps lag the clock by up to a tick: a change this close before a read counts as after it. */
const TIMESTAMP_SLACK_MS = 10;

/** Writes the seal (replacing this command line's last one); the reason when it does not. */
export function writeSeal(s: SealInput): string | null {
  // As the command line was when it started (the task file may have changed the environment since).
  const inv = started;
  if (inv === null) return 'PARPROC_QUICK=0, or no task file found from the arguments';
  if (dirname(inv.dir) !== dirname(s.taskFile)) return 'the arguments name another task file';
  if (!fs().existsSync(inv.dir)) return `no ${inv.dir}`;
  const files = new Map<string, Stamp>();
  for (const [p, st] of s.checked) files.set(p, st === null ? [p] : [p, st.mtimeMs, st.size]);
  for (const [p, readAt] of s.strict) {
    const stamp = stampOf(p, true);
    if (stamp.length > 1 && (stamp[1] as number) >= readAt - TIMESTAMP_SLACK_MS) return `${p} changed while the run loaded or checked`;
    const checked = files.get(p);
    if (checked !== undefined && (checked.length === 1 ? stamp.length !== 1 : checked[1] !== stamp[1] || checked[2] !== stamp[2])) return `${p} changed during the run`;
    files.set(p, stamp);
  }
  for (const p of s.loose) files.set(p, stampOf(p, false));
  const seal: Seal = { format: FORMAT, key: inv.key(), files: [...files.values()], out: s.out };
  try {
    const dir = dirname(inv.file);
    fs().mkdirSync(dir, { recursive: true });
    const tmp = `${inv.file}.${process.pid}.tmp`;
    fs().writeFileSync(tmp, JSON.stringify(seal));
    fs().renameSync(tmp, inv.file);
    prune(dir, '.json');
  } catch (err) {
    return `could not write ${inv.file} (${(err as Error).message})`;
  }
  return null;
}

/** Keeps the newest `KEEP` seals (`.json`), or marks (`.always`). */
function prune(dir: string, suffix: '.json' | '.always'): void {
  const names = fs().readdirSync(dir).filter((n) => n.endsWith(suffix));
  if (names.length <= KEEP) return;
  const byAge = names.map((n) => ({ n, t: fs().statSync(join(dir, n)).mtimeMs })).sort((a, b) => b.t - a.t);
  for (const { n } of byAge.slice(KEEP)) fs().rmSync(join(dir, n), { force: true });
}

/** Removes every seal beside a task file (`parproc clean`: the cached results they rest on are gone). */
export function removeSeals(taskFile: string): void {
  try {
    fs().rmSync(join(dirname(taskFile), '.parproc', 'quick'), { recursive: true, force: true });
  } catch {
    // left behind, they are harmless: the task DB's stamp in each turns it away
  }
}
