/** `parproc clean [names…]`: forget cached results (all without names); `--logs` also deletes logs. */
import type { ArgsDef } from 'citty';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join, resolve } from '../../util/path.ts';
import { fileSafeName, procNameOf } from '../../util/file-safe.ts';
import { writeStderr, writeStdout } from '../../util/stdio.ts';
import { closestNames } from '../../util/closest.ts';
import { globToRegex } from '../../graph/pattern.ts';
import { CliError, EXIT } from '../errors.ts';
import { defineCommand, DB_ARG, parseFlags, TASK_FILE_ARGS } from '../flags.ts';
import { projectPlaces } from '../session.ts';
import { openCliStore } from './history.ts';
import { removeSeals } from '../noop-seal.ts';
import { locateTaskFile } from '../locate-task-file.ts';

export const cleanArgs = {
  ...TASK_FILE_ARGS,
  names: { type: 'positional', required: false, description: "procs to forget, or globs ('build::*'; default: all)" },
  logs: { type: 'boolean', description: "also delete their log files (in .parproc/logs, or the task file's logDir)" },
  ...DB_ARG,
} satisfies ArgsDef;

export const cleanCommand = defineCommand({
  meta: { name: 'clean', description: 'forget cached results (all without names); --logs also deletes logs' },
  args: cleanArgs,
});

export async function runClean(rawArgs: string[]): Promise<number> {
  const args = parseFlags(rawArgs, cleanArgs, 'clean');
  const names = args._.length > 0 ? args._ : null;
  // With --db and no task file here, the DB alone: no seals or logs of a project to touch.
  const noProject = args.db !== undefined && locateTaskFile(resolve(args.cwd ?? '.'), args.file) === null;
  const places = noProject ? null : await projectPlaces(args);
  if (places === null && args.logs) throw new CliError('clean --logs needs the task file, to know where its logs are (none found here)');
  const store = await openCliStore(args, places ?? undefined);
  let forgotten = 0;
  try {
    const f = store?.forget(names) ?? { count: 0, uncached: names ?? [], remaining: [] };
    forgotten = f.count;
    // A name with nothing cached is not an error (it is not cached now either), but a typo should
    // not pass for a clean.
    for (const name of f.uncached) {
      const near = closestNames(name, f.remaining);
      writeStderr(`parproc: nothing was cached for "${name}"${near.length > 0 ? ` (did you mean ${near.map((n) => `"${n}"`).join(' or ')}?)` : ''}\n`);
    }
  } finally {
    store?.close();
  }
  // The no-op seals rest on the results just forgotten (their DB stamp would turn them away too).
  if (places !== null) removeSeals(places.taskFile);
  let removed = 0;
  if (args.logs && places !== null) {
    // Log files only, never the directory with whatever else it holds (a task file's logDir may be 'build').
    for (const t of names === null ? allLogs(places.logDir) : logsOf(places.logDir, names)) {
      if (!existsSync(t)) continue;
      rmSync(t, { force: true });
      removed++;
    }
  }
  writeStdout(`Forgot ${forgotten} cached result${forgotten === 1 ? '' : 's'}${args.logs ? `; removed ${removed} log${removed === 1 ? '' : 's'}` : ''}.\n`);
  return EXIT.ok;
}

/** Every log file in `logDir` (`*.log`, shortened names too). */
function allLogs(logDir: string): string[] {
  return existsSync(logDir) ? readdirSync(logDir).filter((f) => f.endsWith('.log')).map((f) => join(logDir, f)) : [];
}

/** The log files of `names`: a name's own, and for a glob (`build::*`) every log whose proc it matches. */
function logsOf(logDir: string, names: string[]): string[] {
  const out = new Set<string>();
  for (const n of names) {
    if (!/[*?]/.test(n)) {
      out.add(join(logDir, `${fileSafeName(n)}.log`));
      continue;
    }
    const re = globToRegex(n);
    for (const f of existsSync(logDir) ? readdirSync(logDir) : []) {
      const name = f.endsWith('.log') ? procNameOf(f.slice(0, -4)) : null;
      if (name !== null && re.test(name)) out.add(join(logDir, f));
    }
  }
  return [...out];
}
