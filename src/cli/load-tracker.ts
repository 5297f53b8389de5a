/**
 * What loading the task file depends on, for the no-op seal (./noop-seal.ts): the files and
 * directories it read, or the reason its graph cannot be trusted to be the same next time (it
 * spawned, fetched, globbed, printed, or wrote). Its modules are found from their imports when
 * sealing (run-sealer.ts): a runtime plugin's resolve hook would see them, but costs every run
 * about 9 ms.
 *
 * The CLI installs the wrappers first thing (`installLoadTracking`), before any module imports
 * node:fs: Bun takes an ES module's view of a built-in module when it is first imported, so
 * wrappers set on the CommonJS object earlier are what every later import sees — the task file's,
 * its packages', and parproc's own. They only look while `startTracking` … `stopTracking` brackets
 * the load; otherwise each is one extra call.
 *
 * Nothing here sees the clock, randomness, or a native addon: a task file whose procs depend on
 * those turns the seal off (`setOptions({ quickNoop: false })`, README "No-op runs").
 */
import { resolve } from '../util/path.ts';

export interface LoadRecord {
  /** The task file. */
  taskFile: string;
  /** Files and directories read, absolute. */
  read: Set<string>;
  /** Why the load cannot be sealed, when it cannot. */
  unsealable: string | null;
  /** Wall-clock start of the load: a file changed since may have been read before its change. */
  startedAt: number;
}

let current: LoadRecord | null = null;
let installed = false;

const READS = [
  'readFile', 'exists', 'stat', 'lstat', 'access', 'readdir', 'opendir', 'realpath', 'readlink', 'createReadStream', 'statfs',
];
const WRITES = [
  'writeFile', 'appendFile', 'mkdir', 'mkdtemp', 'rm', 'rmdir', 'unlink', 'rename', 'copyFile', 'cp', 'symlink', 'link',
  'chmod', 'chown', 'utimes', 'lutimes', 'truncate', 'createWriteStream', 'glob', 'write', 'writev',
];

/** Marks the load unsealable (the first reason stays). */
function refuse(why: string): void {
  if (current !== null && current.unsealable === null) current.unsealable = why;
}

function record(p: unknown): void {
  if (current === null) return;
  if (typeof p === 'string') current.read.add(resolve(p));
  else if (p instanceof URL && p.protocol === 'file:') current.read.add(Bun.fileURLToPath(p));
  else if (Buffer.isBuffer(p)) current.read.add(resolve(p.toString()));
  // A descriptor: also how Bun builds process.stdout and process.stderr, so printing through
  // them while loading turns the seal off here.
  else refuse('a file or stream opened by descriptor');
}

const HANGERS: PropertyKey[] = ['native', Symbol.for('nodejs.util.promisify.custom')];

function wrap(obj: Record<string, unknown>, name: string, before: (args: unknown[]) => void): void {
  const orig = obj[name];
  if (typeof orig !== 'function') return;
  const wrapped = function (this: unknown, ...args: unknown[]) {
    if (current !== null) before(args);
    return (orig as (...a: unknown[]) => unknown).apply(this, args);
  };
  // What hangs off the function too: `fs.realpathSync.native`, promisify's custom form.
  for (const key of HANGERS) if (key in orig) (wrapped as unknown as Record<PropertyKey, unknown>)[key] = (orig as unknown as Record<PropertyKey, unknown>)[key];
  try {
    obj[name] = wrapped;
  } catch {
    // a read-only property: left alone
  }
}

const reads = (name: string) => (args: unknown[]) => {
  // A recursive listing depends on every directory below, which one stamp cannot stand for.
  const o = args[1] as { recursive?: boolean } | undefined;
  if (name.startsWith('readdir') && typeof o === 'object' && o !== null && o.recursive) refuse(`fs.${name} with recursive`);
  else record(args[0]);
};

function wrapFs(fs: Record<string, unknown>): void {
  for (const n of READS) for (const name of [n, `${n}Sync`]) wrap(fs, name, reads(name));
  for (const n of WRITES) for (const name of [n, `${n}Sync`]) wrap(fs, name, () => refuse(`fs.${name}`));
  for (const name of ['open', 'openSync']) {
    wrap(fs, name, (args) => {
      const flags = args[1];
      if (flags === undefined || flags === 'r' || flags === 0 || typeof flags === 'function') record(args[0]);
      else refuse(`fs.${name} for writing`);
    });
  }
}

/** Wraps node:fs, console, and Bun's file, spawn, shell, glob and fetch. Once per process. */
export function installLoadTracking(): void {
  if (installed) return;
  installed = true;
  const fs = require('node:fs') as Record<string, unknown>;
  wrapFs(fs);
  // node:child_process spawns through these too.
  const bun = Bun as unknown as Record<string, unknown>;
  for (const name of ['spawn', 'spawnSync', 'write', 'connect', 'listen', 'serve', 'udpSocket']) wrap(bun, name, () => refuse(`Bun.${name}`));
  wrap(bun, 'file', (args) => record(args[0]));
  const bunFile = Object.getPrototypeOf(Bun.file('/')) as Record<string, unknown>;
  for (const name of ['write', 'writer', 'delete', 'unlink']) wrap(bunFile, name, () => refuse(`BunFile.${name}`));
  const Worker = globalThis.Worker;
  globalThis.Worker = new Proxy(Worker, {
    construct(target, args, newTarget) {
      refuse('a Worker');
      return Reflect.construct(target, args, newTarget) as object;
    },
  });
  const glob = (Bun.Glob as unknown as { prototype: Record<string, unknown> }).prototype;
  for (const name of ['scan', 'scanSync']) wrap(glob, name, () => refuse(`Bun.Glob.${name}`));
  wrap(globalThis as unknown as Record<string, unknown>, 'fetch', () => refuse('fetch'));
  const con = console as unknown as Record<string, unknown>;
  for (const name of ['log', 'info', 'warn', 'error', 'debug', 'trace', 'dir', 'table', 'dirxml']) wrap(con, name, () => refuse('output while loading'));
}

let extras = false;

/** The module specifiers in a source (`from 'x'`, `import 'x'`, `import('x')`, `require('x')`), found without a regex (start-up). */
function specifiers(src: string): string[] {
  const out: string[] = [];
  for (const word of ['from', 'import', 'require']) {
    for (let i = src.indexOf(word); i >= 0; i = src.indexOf(word, i + word.length)) {
      let j = i + word.length;
      while (src[j] === ' ' || src[j] === '(' || src[j] === '\n' || src[j] === '\t') j++;
      const quote = src[j];
      if (quote !== "'" && quote !== '"') continue;
      const end = src.indexOf(quote, j + 1);
      if (end > j) out.push(src.slice(j + 1, end));
    }
  }
  return out;
}

/**
 * node:fs/promises and Bun's shell cost a run 0.3–0.5 ms each to load, which start-up cannot
 * spare: they are wrapped only for a task file that could reach them — one that names either, or
 * imports anything but parproc and Node's built-ins (a helper or a package might). Neither is
 * imported by parproc itself, so wrapping them now still comes before any import of them.
 */
function wrapExtras(taskFile: string): void {
  if (extras) return;
  let src = '';
  try {
    src = (require('node:fs') as typeof import('node:fs')).readFileSync(taskFile, 'utf8');
  } catch {
    // unreadable: wrap
  }
  const builtin = (s: string) => s.startsWith('node:') || (require('node:module') as typeof import('node:module')).isBuiltin(s);
  if (src !== '' && !src.includes('promises') && !src.includes('$') && specifiers(src).every((s) => s === 'parproc' || builtin(s))) return;
  extras = true;
  wrapFs(require('node:fs/promises') as Record<string, unknown>); // fs.promises is the same object
  wrap(Bun as unknown as Record<string, unknown>, '$', () => refuse('Bun.$'));
}

/** Starts recording a load (of `taskFile`). */
export function startTracking(taskFile: string): void {
  // Not installed (no seal can follow this run: cli.ts): nothing to record.
  if (!installed) return;
  wrapExtras(taskFile);
  current = { taskFile, read: new Set(), unsealable: null, startedAt: Date.now() };
}

/** Ends the recording; what the load depended on. */
export function stopTracking(): LoadRecord | null {
  const r = current;
  current = null;
  if (r === null) return null;
  if (!installed) r.unsealable ??= 'load tracking is not installed';
  return r;
}
