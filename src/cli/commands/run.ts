/** `parproc [run] [targets…]`: run targets and what they need. */
import { defineCommand, type ArgsDef } from 'citty';
import { constants } from 'node:os';
import type { RunEvent } from '../../events.ts';
import type { ProcManager } from '../../manager.ts';
import { JsonReporter } from '../../ui/json-reporter.ts';
import { StaticReporter } from '../../ui/static-reporter.ts';
import { writeStderr, writeStdout } from '../../util/stdio.ts';
import { CliError, EXIT } from '../errors.ts';
import { parseFlags, parseParams, positiveInt, repeated, TASK_FILE_ARGS } from '../flags.ts';
import { defaultTargets, openSession, resolveTargets } from '../session.ts';
import { listData, printList } from './list.ts';

export const runArgs = {
  ...TASK_FILE_ARGS,
  parallel: { type: 'string', alias: 'j', description: 'max procs running at once', valueHint: 'n' },
  mode: { type: 'string', description: 'where proc functions run: inline (worker and process: not available yet)', valueHint: 'inline|worker|process' },
  param: { type: 'string', alias: 'p', description: 'a param for ctx.params (repeatable)', valueHint: 'k=v' },
  'dry-run': { type: 'boolean', alias: 'n', description: 'print what would run, in start order; run nothing' },
  dynamic: { type: 'boolean', description: 'live display (default: on a TTY without CI)' },
  'full-log': { type: 'boolean', description: 'print the whole log of failed procs' },
  json: { type: 'boolean', description: 'NDJSON events on stdout, a summary last; the human display on stderr' },
  full: { type: 'boolean', description: 'ignore the cache (not available yet)' },
  watch: { type: 'boolean', alias: 'w', description: 'watch inputs and re-run (not available yet)' },
  db: { type: 'string', description: 'task DB path (not available yet)', valueHint: 'path' },
  trace: { type: 'string', description: 'write a Chrome trace (not available yet)', valueHint: 'file' },
} satisfies ArgsDef;

export const runCommand = defineCommand({
  meta: { name: 'run', description: 'run targets (proc names, filled-out proto names, globs like build::*) and what they need' },
  args: { ...runArgs, targets: { type: 'positional', required: false, description: 'what to run (default: the proc named "default", else the now: true procs)' } },
});

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

function refuseUnavailable(rawArgs: string[], args: Record<string, unknown>): void {
  const na = (flag: string) => new CliError(`${flag} is not available yet in this version of parproc`);
  if (args.full !== undefined) throw na('--full');
  if (args.watch !== undefined) throw na('--watch');
  if (rawArgs.includes('--no-db')) throw na('--no-db');
  if (args.db !== undefined) throw na('--db');
  if (args.trace !== undefined) throw na('--trace');
  if (args.mode !== undefined && args.mode !== 'inline') {
    if (args.mode === 'worker' || args.mode === 'process') throw na(`--mode ${args.mode}`);
    throw new CliError(`--mode must be inline, worker or process, got "${String(args.mode)}"`);
  }
}

export async function runRun(rawArgs: string[]): Promise<number> {
  const args = parseFlags(rawArgs, runArgs, 'run');
  refuseUnavailable(rawArgs, args);
  const parallel = positiveInt(args.parallel, '--parallel');
  const params = parseParams(repeated(rawArgs, ['p', 'param']));
  const human = args.json ? writeStderr : writeStdout;
  const json = args.json ? new JsonReporter(writeStdout) : null;
  const { pm } = await openSession(args, (m) => {
    if (args['dry-run']) return;
    // Options are read at each event, so the task file's setOptions and the flags both count.
    const display = new StaticReporter({ write: human, options: () => m.getOptions() });
    m.onEvent(display.onEvent);
    if (json) m.onEvent(json.onEvent);
  });

  // Flags win over the task file's setOptions.
  if (parallel !== undefined) pm.setOptions({ parallel });
  if (args.dynamic !== undefined) pm.setOptions({ dynamic: args.dynamic });
  if (args['full-log'] !== undefined) pm.setOptions({ fullLogOnFailure: args['full-log'] });
  pm.setParams(params);

  const targets = args._.length > 0 ? resolveTargets(pm, args._) : defaultTargets(pm);
  if (targets === null) {
    printList(listData(pm));
    return EXIT.ok;
  }
  pm.start(targets);
  if (args['dry-run']) return dryRun(pm);

  let signalled: (typeof SIGNALS)[number] | null = null;
  const onSignal = (sig: (typeof SIGNALS)[number]) => {
    if (signalled) process.exit(128 + (constants.signals[sig] ?? 2)); // a second signal: leave now
    signalled = sig;
    pm.interrupt();
  };
  for (const sig of SIGNALS) process.on(sig, onSignal);
  pm.release();
  let ok: boolean;
  try {
    ok = await pm.waitForAll({ throwOnFailure: false });
  } finally {
    for (const sig of SIGNALS) process.off(sig, onSignal);
  }
  json?.summary(ok && signalled === null);
  if (signalled) {
    human('Tasks Aborted\n');
    return 128 + (constants.signals[signalled] ?? 2);
  }
  return ok ? EXIT.ok : EXIT.failed;
}

/** Starts everything with a launcher that runs nothing, and prints the start order. */
async function dryRun(pm: ProcManager): Promise<number> {
  const order: string[] = [];
  pm.onEvent((e: RunEvent) => {
    if (e.type === 'proc-state' && e.state === 'running') order.push(e.name);
  });
  pm.release({ dryRun: true });
  await pm.waitForAll({ throwOnFailure: false });
  writeStdout(order.length === 0 ? 'Nothing would run.\n' : `Would run, in order:\n${order.map((n, i) => `  ${String(i + 1).padStart(3)}. ${n}\n`).join('')}`);
  return EXIT.ok;
}
