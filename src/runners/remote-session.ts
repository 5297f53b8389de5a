/**
 * The parent side of one execution in a worker or child process: sends the job spec, writes the
 * remote output into the proc's log, answers its `ctx` calls with the parent's services, kills the
 * commands it started when it is stopped, and maps the end — a `done` message, a timeout, an
 * interrupt, or the worker/child dying — to an `Outcome`. The log, the signals and the slot stay
 * here; only plain data crosses.
 */
import { errorKind, UserError } from '../errors.ts';
import { ChildTracker } from './command.ts';
import type { FromRemote, JobSpec, ToRemote } from './protocol.ts';
import type { Outcome, ProcJob } from './runner.ts';
import { resolveSite } from './site.ts';
import { after, type Timer } from '../util/timer.ts';
import { onGone } from '../util/fanout.ts';

/** A worker or child process, as the session sees it. */
export interface Channel {
  send(msg: ToRemote): void;
  /** Subscribes to its messages; returns the unsubscribe function. */
  listen(fn: (msg: FromRemote) => void): () => void;
  /** Settles with the exit code when it goes away (crash, `process.exit`, kill). */
  readonly gone: Promise<number | null>;
  /** Stops it now: terminates the worker, or kills the child's process group. */
  kill(): void;
}

/** How long a stopped proc's code gets to return before its worker/child is stopped hard. */
export const STOP_GRACE_MS = 300;

let nextId = 1;

const formatSeconds = (ms: number): string => `${+(ms / 1000).toFixed(3)}s`;

/** The job spec of a function proc, or a `UserError` when its defining module is unknown. */
export function toJobSpec(job: ProcJob, mode: 'worker' | 'process'): JobSpec | UserError {
  if (job.body.kind !== 'fn') return new UserError(`proc "${job.name}": only function procs run in mode "${mode}"`, 'E_MODE');
  const site = job.body.site ? resolveSite(job.body.site) : null;
  if (!site) {
    return new UserError(
      `proc "${job.name}": mode "${mode}" runs functions defined at the top level of a module file, and this one's module is unknown (defined in eval or a REPL?); define it in a module, or give it mode: 'inline'`,
      'E_MODE',
    );
  }
  return {
    id: nextId++,
    name: job.name,
    module: site.file,
    site: site.key,
    definedAs: job.proto ?? job.name,
    args: job.args,
    params: job.params,
    cwd: job.cwd,
    env: job.env,
    depsChanged: job.depsChanged,
    changedDeps: job.changedDeps,
    inputFingerprint: job.inputFingerprint,
    results: job.services.results(),
  };
}

/** A failure before anything ran (a bad spec, a job that cannot be sent). */
export function failBeforeStart(job: ProcJob, err: Error, error: 'exception' | 'not-serializable' = 'exception'): Outcome {
  job.log.line(err.message, 'stderr');
  return { state: 'failed', error, moreInfo: err.message, output: null };
}

/** Runs `spec` over `channel`; resolves the outcome (with `lingering` when stopped). */
export function runRemote(job: ProcJob, spec: JobSpec, channel: Channel): Promise<Outcome> {
  const { promise, resolve } = Promise.withResolvers<Outcome>();
  /** This execution's abort scope: a stop gives up its forwarded prompt. */
  const scope = new AbortController();
  const commands = new ChildTracker();
  const reaped = new Map<number, () => void>();
  const remoteEnded = Promise.withResolvers<void>();
  let ended = false;
  let timer: Timer | null = null;

  const finish = (outcome: Outcome): void => {
    if (ended) return;
    ended = true;
    timer?.clear();
    job.runSignal.removeEventListener('abort', onInterrupt);
    resolve(outcome);
  };

  const answer = (m: Extract<FromRemote, { type: 'call' }>): void => {
    const s = job.services;
    const [a, b] = m.args as [never, never];
    const work: Promise<unknown> =
      m.method === 'wait'
        ? s.wait(a).then(() => s.results())
        : m.method === 'prompt'
          ? s.prompt(a, b ?? {}, scope.signal)
          : (s[m.method] as (...x: unknown[]) => Promise<unknown>).apply(s, m.args);
    work.then(
      (value) => channel.send({ type: 'reply', callId: m.callId, ok: true, value: value ?? null }),
      (err: unknown) => {
        const e = err instanceof Error ? err : new Error(String(err));
        const kind = errorKind(e);
        channel.send({
          type: 'reply',
          callId: m.callId,
          ok: false,
          error: {
            message: e.message,
            name: kind === 'process' ? 'ProcessError' : kind === 'user' ? 'UserError' : e.name,
            code: (e as { code?: string }).code ?? null,
            failed: (e as { failed?: string[] }).failed ?? null,
            // A wait that threw: what the other waited procs gave still reaches `ctx.results`.
            ...(m.method === 'wait' ? { results: s.results() } : {}),
          },
        });
      },
    );
  };

  const off = channel.listen((m) => {
    if (m.id !== spec.id) return;
    switch (m.type) {
      case 'output':
        job.log.write(m.stream, m.text);
        return;
      case 'call':
        answer(m);
        return;
      case 'spawned': {
        const exited = Promise.withResolvers<void>();
        reaped.set(m.pid, exited.resolve);
        commands.add({ pid: m.pid, exited: exited.promise });
        return;
      }
      case 'reaped':
        reaped.get(m.pid)?.();
        reaped.delete(m.pid);
        return;
      case 'done':
        remoteEnded.resolve();
        // Commands started but not awaited must not outlive their proc.
        if (commands.size > 0) void commands.killAll();
        finish(m.outcome);
        return;
    }
  });
  const offGone = onGone(channel, (code) => {
    remoteEnded.resolve();
    for (const done of reaped.values()) done();
    if (ended) return;
    const message = `exited before completion (exit code ${code ?? 'unknown'})`;
    job.log.line(message, 'stderr');
    finish({ state: 'failed', error: 'exception', moreInfo: message, output: null });
  });
  void remoteEnded.promise.then(() => {
    off();
    // Commands it started and nobody saw end yet still wait for the worker/child's end.
    if (reaped.size === 0) offGone();
  });

  const stop = (kind: 'timeout' | 'interrupted', message: string): void => {
    if (ended) return;
    job.log.line(kind === 'timeout' ? `Timed out: ${message}` : 'Interrupted', 'stderr');
    scope.abort(new Error(message));
    channel.send({ type: 'cancel', id: spec.id, reason: kind });
    void commands.killAll();
    // Busy code (a CPU loop) never reads its signal: stop the worker/child after a short grace.
    const grace = setTimeout(() => channel.kill(), STOP_GRACE_MS);
    grace.unref?.();
    const lingering = remoteEnded.promise.finally(() => clearTimeout(grace));
    finish({ state: 'failed', error: kind, moreInfo: kind === 'timeout' ? message : null, output: null, lingering });
  };
  const onInterrupt = (): void => stop('interrupted', 'interrupted');

  if (job.timeoutMs !== null) {
    const ms = job.timeoutMs;
    timer = after(ms, () => stop('timeout', `timed out after ${formatSeconds(ms)}`));
  }
  if (job.runSignal.aborted) onInterrupt();
  else job.runSignal.addEventListener('abort', onInterrupt, { once: true });

  if (!ended) {
    try {
      channel.send({ type: 'run', job: spec });
    } catch (err) {
      // Args or params that cannot be cloned.
      remoteEnded.resolve();
      finish(failBeforeStart(job, new Error(`proc "${job.name}": its args or params cannot be sent: ${(err as Error).message}`), 'not-serializable'));
    }
  }
  return promise;
}
