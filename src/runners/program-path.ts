/**
 * Where a command's program is, looked up once: as a shell's `hash` table does, a name without a
 * slash is found in the command's `PATH` the first time, and later spawns go straight to that
 * file (with `argv0` keeping the name the program sees). Bun.spawn would otherwise search `PATH`
 * at every spawn — a failed `stat` per directory before the right one, about 15 µs a command on a
 * real disk, the price of a link in a chain of small commands.
 *
 * The table is forgotten at the end of every run (a program installed meanwhile is found by the
 * next run), and an entry whose file is gone is looked up again (`forgetProgram`).
 */

/** `PATH`, the directory when `PATH` has relative entries, and the name → the program's path. */
const found = new Map<string, string>();
/** Whether a `PATH` value has relative entries (`.`, an empty one): those depend on the directory. */
const relative = new Map<string, boolean>();

function keyOf(name: string, path: string, cwd: string | undefined): string {
  let rel = relative.get(path);
  if (rel === undefined) {
    rel = false;
    for (const dir of path.split(':')) if (!dir.startsWith('/')) rel = true;
    relative.set(path, rel);
  }
  return rel ? `${cwd ?? process.cwd()}\0${path}\0${name}` : `${path}\0${name}`;
}

/**
 * The file `name` runs with the environment's `PATH` in `cwd`, or `null`: a path already (it has
 * a slash), no `PATH`, or not found (Bun.spawn then reports it as usual).
 */
export function programPath(name: string, path: string | undefined, cwd: string | undefined): string | null {
  if (path === undefined || name.includes('/')) return null;
  const key = keyOf(name, path, cwd);
  const known = found.get(key);
  if (known !== undefined) return known;
  const where = Bun.which(name, { PATH: path, cwd: cwd ?? process.cwd() });
  if (where !== null) found.set(key, where);
  return where;
}

/** The program found for `name` could not be spawned (removed or moved since): look it up again next time. */
export function forgetProgram(name: string, path: string | undefined, cwd: string | undefined): void {
  if (path !== undefined) found.delete(keyOf(name, path, cwd));
}

/** Forgets every program found (at the end of a run). */
export function forgetProgramPaths(): void {
  found.clear();
}
