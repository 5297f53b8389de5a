/**
 * Picks where each proc runs (API.md `mode`): command procs (strings, argv) run the same in every
 * mode, from this process; function procs inline, in a Bun Worker or in a child process, by the
 * proc's `mode` or the manager's. The worker and process runners are loaded on first use.
 */
import type { ProcNode } from '../graph/proc-node.ts';
import type { ProcMode } from '../types.ts';
import { InlineRunner } from './inline.ts';
import type { Outcome, ProcJob, ProcRunner } from './runner.ts';

interface Disposable {
  dispose(): void;
  idle?(): void;
}

/** A runner loaded when it first runs a proc. */
class LazyRunner implements ProcRunner {
  #load: () => Promise<ProcRunner & Disposable>;
  #runner: Promise<ProcRunner & Disposable> | null = null;
  #loaded: (ProcRunner & Disposable) | null = null;

  constructor(load: () => Promise<ProcRunner & Disposable>) {
    this.#load = load;
  }

  run(job: ProcJob): Promise<Outcome> {
    this.#runner ??= this.#load().then((r) => (this.#loaded = r));
    return this.#runner.then((r) => r.run(job));
  }

  idle(): void {
    this.#loaded?.idle?.();
  }

  dispose(): void {
    this.#loaded?.dispose();
  }
}

export class RunnerPicker {
  #inline = new InlineRunner();
  #worker: LazyRunner;
  #process: LazyRunner;
  #options: () => { mode: ProcMode; debug: boolean };

  constructor(options: () => { mode: ProcMode; debug: boolean; parallel: number }) {
    this.#options = options;
    const parallel = () => (options().debug ? 1 : options().parallel);
    this.#worker = new LazyRunner(async () => new (await import('./worker-runner.ts')).WorkerRunner(parallel));
    this.#process = new LazyRunner(async () => {
      const { ProcessRunner, childCommand } = await import('./process-runner.ts');
      return new ProcessRunner(parallel, await childCommand());
    });
  }

  /** The mode `node` runs in (`debug` runs everything inline). */
  modeOf(node: ProcNode): ProcMode {
    const o = this.#options();
    // An interactive proc needs this process's terminal.
    if (node.body.kind !== 'fn' || o.debug || node.opts.interactive) return 'inline';
    return node.opts.mode ?? o.mode;
  }

  pick(node: ProcNode): ProcRunner {
    const mode = this.modeOf(node);
    return mode === 'worker' ? this.#worker : mode === 'process' ? this.#process : this.#inline;
  }

  /** A run ended: children started ahead for it are not needed any more. */
  idle(): void {
    this.#process.idle();
  }

  /** Ends every worker and idle child process (the manager closes). */
  dispose(): void {
    this.#worker.dispose();
    this.#process.dispose();
  }
}
