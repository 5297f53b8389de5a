/** `parproc history [name]`: recorded runs (start, duration, status) and expected durations. */
import type { ArgsDef } from 'citty';
import { existsSync } from 'node:fs';
import { resolve } from '../../util/path.ts';
import pc from '../../ui/colors.ts';
import { openStore, type SqliteStore } from '../../cache/sqlite-store.ts';
import { formatDuration } from '../../ui/format.ts';
import { writeStderr, writeStdout } from '../../util/stdio.ts';
import { closestNames } from '../../util/closest.ts';
import { CliError, EXIT } from '../errors.ts';
import { defineCommand, DB_ARG, parseFlags, positiveInt, TASK_FILE_ARGS } from '../flags.ts';
import { projectPlaces, type ProjectPlaces } from '../session.ts';

export const historyArgs = {
  ...TASK_FILE_ARGS,
  name: { type: 'positional', required: false, description: 'only this proc' },
  limit: { type: 'string', description: 'at most this many runs (default 20)', valueHint: 'n' },
  json: { type: 'boolean', description: 'an array of { name, runId, startedAt, endedAt, durationMs, status, expectedMs } (cache: "remote" on restored runs)' },
  ...DB_ARG,
} satisfies ArgsDef;

export const historyCommand = defineCommand({
  meta: { name: 'history', description: 'recorded runs: start, duration, status; expected duration per proc' },
  args: historyArgs,
});

/**
 * Opens the task DB named by `--db`, or the one the task file uses (projectPlaces); `null` when
 * there is none yet — reading history or cleaning never creates one (a `--db` typo made a DB).
 */
export async function openCliStore(flags: { db?: string | undefined; file?: string | undefined; cwd?: string | undefined }, places?: ProjectPlaces): Promise<SqliteStore | null> {
  let path: string | null;
  if (flags.db !== undefined) path = resolve(resolve(flags.cwd ?? '.'), flags.db);
  else path = (places ?? (await projectPlaces(flags))).taskDbPath;
  if (path === null) throw new CliError('the task file turns the task DB off (taskDbPath: null): no runs are recorded (--db names one to read)');
  if (!existsSync(path)) {
    if (flags.db !== undefined) writeStderr(`parproc: no task DB at ${path}\n`);
    return null;
  }
  const opened = openStore(path);
  if (!opened.store) throw new CliError(opened.warning);
  const warn = (message: string) => writeStderr(`⚠ ${message}\n`);
  if (opened.warning !== null) warn(opened.warning);
  opened.store.onError(warn);
  return opened.store;
}

export async function runHistory(rawArgs: string[]): Promise<number> {
  const args = parseFlags(rawArgs, historyArgs, 'history');
  const limit = positiveInt(args.limit, '--limit') ?? 20;
  const store = await openCliStore(args);
  if (store === null) {
    writeStdout(args.json ? '[]\n' : args.name ? `No recorded runs of ${args.name}.\n` : 'No recorded runs.\n');
    return EXIT.ok;
  }
  try {
    const rows = store.history(args.name ?? null, limit);
    // The same weighted mean of recent successful runs as the progress bars, once per proc.
    const expectedOf = new Map<string, number | null>();
    const expected = (name: string): number | null => {
      if (!expectedOf.has(name)) expectedOf.set(name, store.expectedDuration(name));
      return expectedOf.get(name) ?? null;
    };
    if (args.json) {
      const out = rows.map((r) => ({
        name: r.name,
        runId: r.runId,
        startedAt: new Date(r.startedAt).toISOString(),
        endedAt: new Date(r.endedAt).toISOString(),
        durationMs: Math.round(r.endedAt - r.startedAt),
        status: r.status,
        expectedMs: ((ms) => (ms === null ? null : Math.round(ms)))(expected(r.name)),
        // Only on rows restored from the remote cache: other rows keep the documented shape.
        ...(r.cache === 'remote' ? { cache: 'remote' as const } : {}),
      }));
      writeStdout(`${JSON.stringify(out, null, 2)}\n`);
      return EXIT.ok;
    }
    if (rows.length === 0) {
      const near = args.name ? closestNames(args.name, store.lastDurations().keys()) : [];
      writeStdout(args.name ? `No recorded runs of ${args.name}${near.length > 0 ? ` (did you mean ${near.join(' or ')}?)` : ''}.\n` : 'No recorded runs.\n');
      return EXIT.ok;
    }
    const width = Math.min(40, Math.max(...rows.map((r) => r.name.length)));
    const lines = rows.map((r) => {
      const status = r.cache === 'remote' ? pc.cyan('restored (remote cache)') : r.status === 'success' ? pc.green(r.status) : pc.red(r.status);
      return `  ${localTime(r.startedAt)}  ${r.name.padEnd(width)}  ${formatDuration(r.endedAt - r.startedAt).padStart(7)}  ${status}`;
    });
    const names = [...new Set(rows.map((r) => r.name))];
    // Every proc listed, `–` for one with no successful run yet.
    const expectedLines = names.map((n) => {
      const ms = expected(n);
      return `  ${n.padEnd(width)}  ${ms === null ? pc.dim('– (no successful run)') : formatDuration(ms)}`;
    });
    writeStdout(`${pc.bold('Runs')} (newest first)\n${lines.join('\n')}\n${expectedLines.length ? `${pc.bold('Expected duration')}\n${expectedLines.join('\n')}\n` : ''}`);
    return EXIT.ok;
  } finally {
    store.close();
  }
}

/** `2026-12-07 21:21:25` in the local time zone (people read it; `--json` keeps ISO-8601 in UTC). */
function localTime(ms: number): string {
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}
