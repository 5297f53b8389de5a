/**
 * Runs procs as async functions in this process (`mode: 'inline'`), with their console output
 * captured into their logs, plus command procs (strings and argv arrays).
 */
import { fillPattern } from '../graph/pattern.ts';
import type { ProcBody } from '../graph/proc-node.ts';
import type { ProcContext } from '../types.ts';
import { withOutputSink } from '../util/stdio.ts';
import { ChildTracker, shellQuote } from './command.ts';
import { commandFor, makeContext, type CommandFn } from './context.ts';
import { ExecutionScope } from './exec-scope.ts';
import { onAbort } from '../util/fanout.ts';
import { errorKind } from '../errors.ts';
import { outcomeFromError, outcomeFromValue } from './outcome.ts';
import { HandedPromises } from './handed.ts';
import { onStall } from './stall.ts';
import { hearStrays } from './stray-errors.ts';
import { after } from '../util/timer.ts';
import type { JobLog, Outcome, ProcJob, ProcRunner } from './runner.ts';

/** Why a proc's own signal was aborted. */
class AbortReason extends Error {
  constructor(readonly kind: 'timeout' | 'interrupted' | 'stalled', message: string) {
    super(message);
  }
}

/** Runs a body with a ready context: the function, or the command. */
export async function callBody(body: ProcBody, ctx: () => ProcContext, command: CommandFn, job: ProcJob): Promise<unknown> {
  switch (body.kind) {
    case 'fn': {
      const c = ctx();
      return await (body.fn as (c: ProcContext, a: unknown) => unknown)(c, c.args);
    }
    // Brackets that name no arg are the command's own (`[ -f x ]`, `grep '[0-9]'`): left as written.
    case 'shell': {
      const quoted = Object.fromEntries(Object.entries(job.args).map(([k, v]) => [k, shellQuote(v)]));
      await command({ shell: fillPattern(body.command, quoted, `proc "${job.name}"`, true) }, undefined, true);
      return null;
    }
    case 'argv': {
      const argv: string[] = [];
      for (const a of body.argv) argv.push(a.includes('[') ? fillPattern(a, job.args, `proc "${job.name}"`, true) : a);
      await command({ argv }, undefined, true);
      return null;
    }
  }
}

/** The command a command proc runs, filled out from its args (for `list` and `-n`); `null` for functions. */
export function commandText(body: ProcBody, args: Record<string, unknown>, name: string): string | null {
  if (body.kind === 'shell') {
    const quoted = Object.fromEntries(Object.entries(args).map(([k, v]) => [k, shellQuote(v)]));
    return fillPattern(body.command, quoted, `proc "${name}"`, true);
  }
  if (body.kind === 'argv') return body.argv.map((a) => shellQuote(fillPattern(a, args, `proc "${name}"`, true))).join(' ');
  return null;
}

/** Where an outcome's explanation goes when it has nothing to add. */
const UNHEARD: JobLog = { write() {}, line() {} };

/** A proc whose context's promise rejected with nobody awaiting it fails as if it had thrown that. */
function droppedOutcome(dropped: { method: string; error: unknown }, log: JobLog): Outcome {
  log.line(`${dropped.method} failed and nothing awaited it:`, 'stderr');
  const outcome = outcomeFromError(dropped.error, log);
  const moreInfo = `${outcome.moreInfo ?? 'failed'} (${dropped.method}, not awaited)`;
  return { ...outcome, state: 'failed', error: outcome.error === 'failed' ? 'failed' : 'exception', moreInfo };
}

const STALLED = 'never settled: it waits on a promise that nothing left (no timer, I/O or process) can settle';

const formatSeconds = (ms: number): string => `${+(ms / 1000).toFixed(3)}s`;

export class InlineRunner implements ProcRunner {
  /**
   * `capture: false` (a child process, whose stdout and stderr are the log already) leaves
   * `console` and `process.stdout` alone.
   */
  #capture: boolean;
  /**
   * `strays: false` (a worker or child) leaves errors no proc caught to the runtime: they end
   * that worker or child, and the parent fails the proc with what it logged.
   */
  #strays: boolean;

  constructor(opts: { capture?: boolean; strays?: boolean } = {}) {
    this.#capture = opts.capture ?? true;
    this.#strays = opts.strays ?? true;
  }

  async run(job: ProcJob): Promise<Outcome> {
    const scope = new ExecutionScope();
    const tracker = new ChildTracker();
    // The first of the work's outcome and an abort of the scope (a timeout, the run's interrupt).
    let settle: (first: Outcome | AbortReason) => void = () => {};
    const first = new Promise<Outcome | AbortReason>((resolve) => {
      settle = resolve;
    });
    const abort = (reason: AbortReason): void => {
      if (scope.abort(reason)) settle(reason);
    };
    const stopHearing = onAbort(job.runSignal, () => abort(new AbortReason('interrupted', 'interrupted')));
    const timer =
      job.timeoutMs === null
        ? null
        : after(job.timeoutMs, () => abort(new AbortReason('timeout', `timed out after ${formatSeconds(job.timeoutMs as number)}`)));

    const stopStall = job.body.kind === 'fn' ? onStall(() => abort(new AbortReason('stalled', STALLED))) : null;
    // An error the function's code throws where nothing catches it (a timer, a handler) fails
    // this proc, not the whole process (./stray-errors.ts).
    let stray: Outcome | null = null;
    const stopStrays =
      job.body.kind !== 'fn' || !this.#strays
        ? null
        : hearStrays({
            name: job.name,
            sink: job.log,
            fail: (err) => {
              const outcome = outcomeFromError(err, job.log);
              if (scope.aborted) return;
              stray = outcome;
              settle(outcome);
              scope.abort(err instanceof Error ? err : new Error(String(err)));
            },
            warn: (message) => (job.warn ?? ((m: string) => job.log.line(`warning: ${m}`, 'stderr')))(message),
          });
    const command = commandFor(job, scope, tracker);
    // A command proc needs no context: none is made.
    // What the context hands out: a rejected promise nobody awaited fails the proc (handed.ts).
    let handed: HandedPromises | null = null;
    const call = () => callBody(job.body, () => makeContext(job, scope, command, (handed = new HandedPromises())), command, job);
    // An interactive proc has the terminal: its console is not captured. A command runs no code
    // of the user's here: nothing to capture.
    // The outcome settles the race in the same reaction that makes it (not one turn later).
    const work = (this.#capture && !job.interactive && job.body.kind === 'fn' ? withOutputSink(job.log, call) : call()).then(
      (value): Outcome => {
        const outcome = outcomeFromValue(value, job.log);
        settle(outcome);
        return outcome;
      },
      (err): Outcome => {
        // A command the abort killed fails: the log says why already ("Interrupted", "Timed out").
        const outcome = outcomeFromError(err, scope.aborted && errorKind(err) === 'command' ? UNHEARD : job.log);
        settle(outcome);
        return outcome;
      },
    );
    try {
      const ended = await first;
      if (ended instanceof AbortReason) {
        tracker.drain(); // what the commands printed before comes first
        job.log.line(ended.kind === 'timeout' ? `Timed out: ${ended.message}` : ended.kind === 'stalled' ? ended.message : 'Interrupted', 'stderr');
        await tracker.killAll();
        // The function may ignore its signal and go on: the scheduler keeps its locks until it
        // settles (SPEC 3: lock holders never overlap).
        // An interrupt's error says it all ("interrupted: interrupted" said it twice); a timeout says after how long.
        // A stalled function can never go on (nothing left can settle what it waits for): its
        // locks are free at once. Held until it settled, they were held for good, and procs
        // waiting for them never started: the process ended, exit 0, with no summary.
        if (ended.kind === 'stalled') return { state: 'failed', error: 'exception', moreInfo: ended.message, output: null };
        return { state: 'failed', error: ended.kind, moreInfo: ended.kind === 'timeout' ? ended.message : null, output: null, lingering: work };
      }
      // Taken before the kill below: a command it left running fails only because it is killed.
      const dropped = ended.state === 'failed' ? null : ((handed as HandedPromises | null)?.dropped() ?? null);
      // Commands started but not awaited must not outlive their proc.
      if (tracker.size > 0) await tracker.killAll();
      if (dropped !== null) return droppedOutcome(dropped, job.log);
      // Failed by a stray error while its function still runs: its locks wait for that, as above.
      return (stray as Outcome | null) === ended ? { ...ended, lingering: work } : ended;
    } finally {
      timer?.clear();
      stopStall?.();
      stopHearing();
      stopStrays?.();
    }
  }
}
