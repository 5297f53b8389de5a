/** `parproc clean [names…]`: forget cached results (all without names); `--logs` also deletes logs. */
import type { ArgsDef } from 'citty';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join, resolve } from '../../util/path.ts';
import { fileSafeName, procNameOf } from '../../util/file-safe.ts';
import { writeStderr, writeStdout } from '../../util/stdio.ts';
import { closestNames } from '../../util/closest.ts';
import { globToRegex } from '../../graph/pattern.ts';
import { EXIT } from '../errors.ts';
import { defineCommand, DB_ARG, parseFlags, TASK_FILE_ARGS } from '../flags.ts';
import { cliDefaults } from '../session.ts';
import { findTaskFile } from '../task-file.ts';
import { openCliStore } from './history.ts';
import { removeSeals } from '../noop-seal.ts';
import { locateTaskFile } from '../locate-task-file.ts';

export const cleanArgs = {
  ...TASK_FILE_ARGS,
  names: { type: 'positional', required: false, description: "procs to forget, or globs ('build::*'; default: all)" },
  logs: { type: 'boolean', description: 'also delete their logs (.parproc/logs)' },
  ...DB_ARG,
} satisfies ArgsDef;

export const cleanCommand = defineCommand({
  meta: { name: 'clean', description: 'forget cached results (all without names); --logs also deletes logs' },
  args: cleanArgs,
});

export async function runClean(rawArgs: string[]): Promise<number> {
  const args = parseFlags(rawArgs, cleanArgs, 'clean');
  const names = args._.length > 0 ? args._ : null;
  const store = openCliStore(args);
  let forgotten: number;
  try {
    const f = store.forget(names);
    forgotten = f.count;
    // A name with nothing cached is not an error (it is not cached now either), but a typo should
    // not pass for a clean.
    for (const name of f.uncached) {
      const near = closestNames(name, f.remaining);
      writeStderr(`parproc: nothing was cached for "${name}"${near.length > 0 ? ` (did you mean ${near.map((n) => `"${n}"`).join(' or ')}?)` : ''}\n`);
    }
  } finally {
    store.close();
  }
  // The no-op seals rest on the results just forgotten (their DB stamp would turn them away too).
  const taskFile = locateTaskFile(resolve(args.cwd ?? '.'), args.file);
  if (taskFile !== null) removeSeals(taskFile);
  let removed = 0;
  if (args.logs) {
    const logDir = cliDefaults(taskFile ?? findTaskFile(resolve(args.cwd ?? '.'), args.file)).logDir;
    const targets = names === null ? [logDir] : logsOf(logDir, names);
    for (const t of targets) {
      if (!existsSync(t)) continue;
      rmSync(t, { recursive: true, force: true });
      removed++;
    }
  }
  writeStdout(`Forgot ${forgotten} cached result${forgotten === 1 ? '' : 's'}${args.logs ? `; removed ${names === null ? (removed ? 'the logs' : 'no logs') : `${removed} log${removed === 1 ? '' : 's'}`}` : ''}.\n`);
  return EXIT.ok;
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
