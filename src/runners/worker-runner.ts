/**
 * `mode: 'worker'`: function procs run in a pool of Bun Workers, created lazily, one proc at a
 * time each, reused across procs. At most `parallel` idle workers are kept; a proc waiting in
 * `ctx.wait` lends its slot, so another proc may need a worker of its own meanwhile. A worker
 * that dies (an uncaught throw, `process.exit`) or is terminated (a timeout in a busy loop)
 * fails its proc and is replaced by the next one created.
 */
import { failBeforeStart, runRemote, toJobSpec, type Channel } from './remote-session.ts';
import type { FromRemote } from './protocol.ts';
import type { Outcome, ProcJob, ProcRunner } from './runner.ts';

/** The worker script: beside this file, or inside the compiled binary (an extra entry point). */
function entryUrl(): string {
  return import.meta.path.startsWith('/$bunfs/') ? './runners/worker-entry.ts' : new URL('./worker-entry.ts', import.meta.url).href;
}

class PooledWorker implements Channel {
  readonly #worker: Worker;
  readonly #listeners = new Set<(m: FromRemote) => void>();
  readonly gone: Promise<number | null>;
  dead = false;
  /** The job it runs, for the message of an uncaught error. */
  current: number | null = null;

  constructor() {
    this.#worker = new Worker(entryUrl());
    const gone = Promise.withResolvers<number | null>();
    this.gone = gone.promise;
    this.#worker.addEventListener('message', (e) => {
      for (const l of this.#listeners) l(e.data as FromRemote);
    });
    // An uncaught throw in the worker (a timer's, say): tell the proc's log; `close` follows.
    this.#worker.addEventListener('error', (e) => {
      const text = `${(e as ErrorEvent).message || 'uncaught error in worker'}\n`;
      if (this.current !== null) for (const l of this.#listeners) l({ type: 'output', id: this.current, stream: 'stderr', text });
    });
    this.#worker.addEventListener('close', (e) => {
      this.dead = true;
      gone.resolve((e as CloseEvent).code ?? null);
    });
  }

  send(msg: Parameters<Channel['send']>[0]): void {
    this.#worker.postMessage(msg);
  }

  listen(fn: (m: FromRemote) => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  kill(): void {
    this.dead = true;
    this.#worker.terminate();
  }

  /** An idle worker does not keep the process alive. */
  ref(on: boolean): void {
    if (on) this.#worker.ref();
    else this.#worker.unref();
  }
}

export class WorkerRunner implements ProcRunner {
  #idle: PooledWorker[] = [];
  #all = new Set<PooledWorker>();
  #parallel: () => number;

  constructor(parallel: () => number) {
    this.#parallel = parallel;
  }

  async run(job: ProcJob): Promise<Outcome> {
    const spec = toJobSpec(job, 'worker');
    if (spec instanceof Error) return failBeforeStart(job, spec);
    const w = this.#take();
    w.current = spec.id;
    const outcome = await runRemote(job, spec, w);
    // A stopped proc's worker comes back only once its code returned (or it was terminated).
    void (outcome.lingering ?? Promise.resolve()).then(() => this.#give(w));
    return outcome;
  }

  #take(): PooledWorker {
    for (let w = this.#idle.pop(); w; w = this.#idle.pop()) {
      if (w.dead) continue;
      w.ref(true);
      return w;
    }
    const w = new PooledWorker();
    this.#all.add(w);
    void w.gone.then(() => this.#all.delete(w));
    return w;
  }

  #give(w: PooledWorker): void {
    w.current = null;
    if (w.dead) return;
    if (this.#idle.length >= this.#parallel()) {
      w.kill();
      return;
    }
    w.ref(false);
    this.#idle.push(w);
  }

  /** Terminates every worker (the manager closes). */
  dispose(): void {
    for (const w of this.#all) w.kill();
    this.#all.clear();
    this.#idle = [];
  }
}
