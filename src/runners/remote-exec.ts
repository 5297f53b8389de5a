/**
 * The remote side of the worker and process modes: runs `JobSpec`s sent by the parent. It finds
 * the proc's function by re-importing its module in replay mode, runs it like an inline proc (the
 * same context, outcome mapping and output capture), and forwards `ctx` calls that need the
 * scheduler (create, start, run, wait, prompt) to the parent. Commands run here, and their
 * process groups are reported so the parent can kill them when it stops the proc.
 */
import { ProcessError, UserError } from '../errors.ts';
import type { RunOptions } from '../types.ts';
import { withOutputSink } from '../util/stdio.ts';
import { onCommandSpawn } from './command.ts';
import { InlineRunner } from './inline.ts';
import { outcomeFromError } from './outcome.ts';
import type { FromRemote, JobSpec, RemoteMethod, ToRemote } from './protocol.ts';
import { replayedBody } from './replay.ts';
import { goOn, nextTopLevelStop } from './top-level-stop.ts';
import { lineLog, type ContextServices, type JobLog } from './runner.ts';

/** How output leaves this side: as messages (worker) or to the real stdout/stderr (child). */
export type LogFactory = (id: number, send: (m: FromRemote) => void) => JobLog;

/** A log that sends each write to the parent as an `output` message. */
export const messageLog: LogFactory = (id, send) => lineLog((stream, text) => send({ type: 'output', id, stream, text }));

const discard = { write: () => {} };
/** Where a failed `wait`'s error carries the results after it (a symbol: no field user code sees). */
const RESULTS = Symbol('results');

/** How often a module's top level may stop at a wait and go on before its proc counts as not defined there. */
const MAX_STOPS = 1000;

export class RemoteExecutor {
  #send: (m: FromRemote) => void;
  #makeLog: LogFactory;
  #where: string;
  #imports = new Map<string, Promise<unknown>>();
  #cancels = new Map<number, AbortController>();
  #calls = new Map<number, PromiseWithResolvers<unknown>>();
  #nextCall = 1;
  /** Which job a command's log belongs to (for `spawned`/`reaped`). */
  #jobOfLog = new WeakMap<object, number>();
  /** Jobs under way here. */
  #running = 0;
  #hold: ((held: boolean) => void) | null;

  #runner: InlineRunner;

  /**
   * `hold(held)`, when given, is told whether this side must stay up for the parent's messages:
   * with no job (the next one will come), or while a job waits for a reply. Otherwise only the
   * jobs' own work keeps it up, so a job whose promise nothing can settle is found stalled
   * (stall.ts) as inline.
   */
  constructor(send: (m: FromRemote) => void, makeLog: LogFactory, where: 'worker' | 'child process', hold?: (held: boolean) => void) {
    this.#send = send;
    this.#hold = hold ?? null;
    // A child's stdout and stderr are the proc's log already: nothing to capture there.
    this.#runner = new InlineRunner({ capture: where === 'worker', strays: false });
    this.#makeLog = makeLog;
    this.#where = where;
    onCommandSpawn((pid, exited, log) => {
      const id = this.#jobOfLog.get(log);
      if (id === undefined) return;
      send({ type: 'spawned', id, pid });
      void exited.finally(() => send({ type: 'reaped', id, pid }));
    });
  }

  handle(msg: ToRemote): void {
    switch (msg.type) {
      case 'preload':
        void this.#import(msg.module).catch(() => undefined);
        return;
      case 'run':
        void this.#run(msg.job);
        return;
      case 'cancel':
        this.#cancels.get(msg.id)?.abort(new Error(msg.reason));
        return;
      case 'reply': {
        const call = this.#calls.get(msg.callId);
        if (!call) return;
        this.#calls.delete(msg.callId);
        this.#held();
        if (msg.ok) call.resolve(msg.value);
        else call.reject(Object.assign(rebuildError(msg.error), msg.error.results ? { [RESULTS]: msg.error.results } : {}));
        return;
      }
    }
  }

  /** Imports a module once, with its top-level output discarded (it is not a proc's output). */
  #import(module: string): Promise<unknown> {
    let p = this.#imports.get(module);
    if (!p) {
      p = this.#where === 'worker' ? withOutputSink(discard, () => import(module)) : import(module);
      this.#imports.set(module, p);
    }
    return p;
  }

  #held(): void {
    this.#hold?.(this.#running === 0 || this.#calls.size > 0);
  }

  async #run(spec: JobSpec): Promise<void> {
    this.#running++;
    this.#held();
    try {
      await this.#runJob(spec);
    } finally {
      this.#running--;
      this.#held();
    }
  }

  async #runJob(spec: JobSpec): Promise<void> {
    const controller = new AbortController();
    this.#cancels.set(spec.id, controller);
    const log = this.#makeLog(spec.id, this.#send);
    this.#jobOfLog.set(log, spec.id);
    let outcome;
    try {
      const body = await this.#findBody(spec);
      const ran = await this.#runner.run({
        name: spec.name,
        proto: null,
        body,
        args: spec.args,
        params: spec.params,
        cwd: spec.cwd,
        env: spec.env,
        // The parent times the proc and stops this side; a cancel aborts `ctx.signal`.
        timeoutMs: null,
        log,
        runSignal: controller.signal,
        depsChanged: spec.depsChanged,
        changedDeps: spec.changedDeps,
        inputFingerprint: spec.inputFingerprint,
        services: this.#services(spec),
      });
      // Stopped: report only once the code settled, so the worker is not reused under it.
      if (ran.lingering) await ran.lingering;
      outcome = { state: ran.state, error: ran.error, moreInfo: ran.moreInfo, output: ran.output };
    } catch (err) {
      outcome = outcomeFromError(err, log);
    } finally {
      this.#cancels.delete(spec.id);
    }
    this.#send({ type: 'done', id: spec.id, outcome });
  }

  async #findBody(spec: JobSpec) {
    let body = replayedBody(spec.site, spec.definedAs);
    if (body) return body;
    // The import settles, or the module's top level stops at a wait (top-level-stop.ts): it goes
    // on only while the proc is still to be registered further down.
    const imported = this.#import(spec.module).then(() => true);
    for (let stops = 0; !body; stops++) {
      // A top level that waits in a loop (`for (;;) await waitForAll()`) and never registers it.
      if (stops === MAX_STOPS) break;
      const stopped = nextTopLevelStop().then(() => false);
      goOn(); // stopped at a wait (by an earlier job's import): on to the next
      let settled: boolean;
      try {
        settled = await Promise.race([imported, stopped]);
      } catch (err) {
        throw new UserError(`proc "${spec.name}": importing ${spec.module} in a ${this.#where} failed: ${(err as Error).message}`, 'E_MODE');
      }
      body = replayedBody(spec.site, spec.definedAs);
      if (settled) break;
    }
    if (!body) {
      throw new UserError(
        `proc "${spec.name}": its function is not defined at the top level of ${spec.module} (importing the module again in a ${this.#where} did not define it); define it at the top level of a module, or give it mode: 'inline'`,
        'E_MODE',
      );
    }
    return body;
  }

  #services(spec: JobSpec): ContextServices {
    let results = spec.results;
    const call = (method: RemoteMethod, args: unknown[]): Promise<unknown> => {
      // An argument left out stays left out: a child process's messages are JSON, where a trailing
      // `undefined` would arrive as `null` (`ctx.run(name)` as `run(name, null)`).
      while (args.length > 0 && args[args.length - 1] === undefined) args.pop();
      const callId = this.#nextCall++;
      const d = Promise.withResolvers<unknown>();
      this.#calls.set(callId, d);
      this.#held();
      this.#send({ type: 'call', id: spec.id, callId, method, args });
      return d.promise;
    };
    return {
      results: () => results,
      create: (n, a) => call('create', [n, a]) as Promise<string[]>,
      start: async (names) => void (await call('start', [names])),
      run: (name: string, opts?: RunOptions) => call('run', [name, opts]) as Promise<string[]>,
      wait: async (names) => {
        // The reply carries the results as they are after the wait (a failed one's error too).
        try {
          results = (await call('wait', [names])) as Record<string, unknown>;
        } catch (err) {
          const after = (err as { [RESULTS]?: Record<string, unknown> })[RESULTS];
          if (after) results = after;
          throw err;
        }
      },
      prompt: (message, opts) => call('prompt', [message, opts]) as Promise<string>,
    };
  }
}

/** The parent's error, as the class user code may catch. */
function rebuildError(e: { message: string; name: string; code: string | null; failed: string[] | null }): Error {
  if (e.name === 'ProcessError' && e.failed) return new ProcessError(e.failed);
  if (e.name === 'UserError') return new UserError(e.message, e.code ?? 'E_USER');
  const err = new Error(e.message);
  err.name = e.name;
  return err;
}
