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
import { outcomeFromError, outcomeFromValue } from './outcome.ts';
import type { Outcome, ProcJob, ProcRunner } from './runner.ts';

/** Why a proc's own signal was aborted. */
class AbortReason extends Error {
  constructor(readonly kind: 'timeout' | 'interrupted', message: string) {
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
    case 'shell': {
      const quoted = Object.fromEntries(Object.entries(job.args).map(([k, v]) => [k, shellQuote(v)]));
      await command({ shell: fillPattern(body.command, quoted, `proc "${job.name}"`) });
      return null;
    }
    case 'argv':
      await command({ argv: body.argv.map((a) => (a.includes('[') ? fillPattern(a, job.args, `proc "${job.name}"`) : a)) });
      return null;
  }
}

/** The command a command proc runs, filled out from its args (for `list` and `-n`); `null` for functions. */
export function commandText(body: ProcBody, args: Record<string, unknown>, name: string): string | null {
  try {
    if (body.kind === 'shell') {
      const quoted = Object.fromEntries(Object.entries(args).map(([k, v]) => [k, shellQuote(v)]));
      return fillPattern(body.command, quoted, `proc "${name}"`);
    }
    if (body.kind === 'argv') return body.argv.map((a) => shellQuote(fillPattern(a, args, `proc "${name}"`))).join(' ');
  } catch {
    // an unfilled placeholder: shown as written
    return body.kind === 'shell' ? body.command : body.kind === 'argv' ? body.argv.join(' ') : null;
  }
  return null;
}

const formatSeconds = (ms: number): string => `${+(ms / 1000).toFixed(3)}s`;

export class InlineRunner implements ProcRunner {
  /**
   * `capture: false` (a child process, whose stdout and stderr are the log already) leaves
   * `console` and `process.stdout` alone.
   */
  #capture: boolean;

  constructor(opts: { capture?: boolean } = {}) {
    this.#capture = opts.capture ?? true;
  }

  async run(job: ProcJob): Promise<Outcome> {
    const controller = new AbortController();
    const tracker = new ChildTracker();
    const aborted = Promise.withResolvers<AbortReason>();
    const abort = (reason: AbortReason): void => {
      if (controller.signal.aborted) return;
      controller.abort(reason);
      aborted.resolve(reason);
    };
    const onRunAbort = () => abort(new AbortReason('interrupted', 'interrupted'));
    if (job.runSignal.aborted) onRunAbort();
    job.runSignal.addEventListener('abort', onRunAbort, { once: true });
    const timer =
      job.timeoutMs === null
        ? null
        : setTimeout(() => abort(new AbortReason('timeout', `timed out after ${formatSeconds(job.timeoutMs as number)}`)), job.timeoutMs);

    const command = commandFor(job, controller.signal, tracker);
    // A command proc needs no context: none is made.
    const call = () => callBody(job.body, () => makeContext(job, controller.signal, command), command, job);
    // An interactive proc has the terminal: its console is not captured. A command runs no code
    // of the user's here: nothing to capture.
    const work = (this.#capture && !job.interactive && job.body.kind === 'fn' ? withOutputSink(job.log, call) : call()).then(
      (value): Outcome => outcomeFromValue(value, job.log),
      (err): Outcome => outcomeFromError(err, job.log),
    );
    try {
      const first = await Promise.race([work, aborted.promise]);
      if (first instanceof AbortReason) {
        job.log.line(first.kind === 'timeout' ? `Timed out: ${first.message}` : 'Interrupted', 'stderr');
        await tracker.killAll();
        // The function may ignore its signal and go on: the scheduler keeps its locks until it
        // settles (SPEC 3: lock holders never overlap).
        return { state: 'failed', error: first.kind, moreInfo: first.message, output: null, lingering: work };
      }
      // Commands started but not awaited must not outlive their proc.
      if (tracker.size > 0) await tracker.killAll();
      return first;
    } finally {
      if (timer !== null) clearTimeout(timer);
      job.runSignal.removeEventListener('abort', onRunAbort);
    }
  }
}
