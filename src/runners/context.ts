/**
 * The `ProcContext` a proc function receives (API.md "Inside a proc").
 */
import { UserError } from '../errors.ts';
import { formatValues } from '../util/format-values.ts';
import type { CommandResult, ExecOptions, ProcContext, RunOptions } from '../types.ts';
import { runCommand, templateToShell, type ChildTracker, type CommandSpec } from './command.ts';
import type { AbortScope } from './exec-scope.ts';
import type { HandedPromises } from './handed.ts';
import type { ProcJob } from './runner.ts';
import { allStrings } from '../util/lists.ts';

const flat = (names: (string | string[])[]): string[] => names.flat();

/**
 * Runs a command for the proc, with its cwd/env, into its log. `body`: the proc's own command
 * (a command proc), whose output only the log wants.
 */
export type CommandFn = (spec: CommandSpec, o?: ExecOptions, body?: boolean) => Promise<CommandResult>;

/** Runs commands for one execution (a command proc's, or its context's `$` and `exec`). */
export function commandFor(job: ProcJob, scope: AbortScope, tracker: ChildTracker): CommandFn {
  return (spec, o = {}, body = false) =>
    runCommand(spec, {
      cwd: o.cwd ?? job.cwd ?? undefined,
      env: job.env || o.env ? { ...job.env, ...o.env } : undefined,
      stdin: o.stdin,
      log: job.log,
      scope,
      tracker,
      interactive: job.interactive === true,
      captureDir: body && job.log.live === false ? () => job.log.captureDir?.() ?? null : undefined,
    });
}

/**
 * Builds the context of one execution of a function proc; `scope` is the proc's own (timeout +
 * interrupt; `ctx.signal` is made on first read), `command` its `commandFor`.
 */
export function makeContext(job: ProcJob, scope: AbortScope, command: CommandFn, handed: HandedPromises): ProcContext {
  let results: Record<string, unknown> | null = null;
  const hand = handed.hand.bind(handed);
  const ctx: ProcContext = {
    procName: job.name,
    args: job.args,
    params: job.params,
    // Built on first read: most procs never look, and a copy per proc would be O(n²).
    get results() {
      results ??= job.services.results();
      return results;
    },
    depsChanged: job.depsChanged,
    changedDeps: job.changedDeps,
    inputFingerprint: job.inputFingerprint,
    get signal() {
      return scope.signal;
    },
    log: (...values: unknown[]) => job.log.line(formatValues(values)),
    $: (strings: TemplateStringsArray, ...values: unknown[]) => {
      if (!Array.isArray(strings) || !('raw' in strings)) {
        return handed.handCommand('ctx.$', Promise.reject(new UserError(`proc "${job.name}": ctx.$ is a template tag: write ctx.$\`cmd\``, 'E_USAGE')));
      }
      return handed.handCommand('ctx.$', command({ shell: templateToShell(strings, values) }));
    },
    exec: (argv: string[], o?: ExecOptions) => {
      if (!Array.isArray(argv) || argv.length === 0 || !allStrings(argv)) {
        return handed.handCommand('ctx.exec', Promise.reject(new UserError(`proc "${job.name}": ctx.exec needs a non-empty array of strings`, 'E_USAGE')));
      }
      return handed.handCommand('ctx.exec', command({ argv }, o));
    },
    create: (n, a) => hand('ctx.create', job.services.create(n, a)),
    start: (...names) => hand('ctx.start', job.services.start(flat(names))),
    run: (name: string, opts?: RunOptions) => hand('ctx.run', job.services.run(name, opts)),
    wait: (...names) =>
      hand(
        'ctx.wait',
        (async () => {
          try {
            await job.services.wait(flat(names));
          } finally {
            results = null; // merge newer results in on next read (after a failed wait too)
          }
        })(),
      ),
    prompt: (message, opts = {}) => hand('ctx.prompt', job.services.prompt(message, opts, scope.signal)),
  };
  return ctx;
}
