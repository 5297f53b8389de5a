/**
 * `mode: 'process'`: a fresh child process per proc — isolation is the point: globals,
 * `process.chdir` and `process.env` changes never leak between procs. Under the compiled binary
 * the child is the binary itself (`__parproc-child`); under bun, bun with the child entry. The
 * child's stdout and stderr are read at the descriptor level into the proc's log, so the output
 * of programs it starts lands there too. Start-up is hidden by keeping children started ahead,
 * with the proc's module already imported — as many as procs of this mode run at once, up to
 * `parallel` and at most 8; a child never runs two procs.
 */
import { existsSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from '../util/path.ts';
import { trackGroup } from './command.ts';
import type { FromRemote, ToRemote } from './protocol.ts';
import { failBeforeStart, runRemote, toJobSpec, type Channel } from './remote-session.ts';
import type { JobLog, Outcome, ProcJob, ProcRunner } from './runner.ts';

const MAX_WARM = 8;
/** After a stop, SIGTERM to the child's group, then SIGKILL after this long. */
const KILL_GRACE_MS = 500;
/** How long the log waits for the pipes to close once the child ended. */
const DRAIN_MS = 2000;

/**
 * How to start a child. The compiled binary runs itself. Under bun, the child's script is bundled
 * once (per version of parproc's sources, in the temp dir) with bytecode: loading parproc's
 * TypeScript sources in every child would cost ~25 ms each; the bundle loads in a few. If the
 * bundle cannot be made, the child runs from the sources.
 */
export async function childCommand(): Promise<string[]> {
  if (import.meta.path.startsWith('/$bunfs/')) return [process.execPath, '__parproc-child'];
  const entry = join(import.meta.dir, 'child-main.ts');
  try {
    const src = dirname(import.meta.dir);
    let stamp = Bun.version;
    for (const f of (readdirSync(src, { recursive: true }) as string[]).sort()) {
      if (!f.endsWith('.ts')) continue;
      const st = statSync(join(src, f));
      stamp += `|${f}:${st.mtimeMs}:${st.size}`;
    }
    // A folder of its own: the bundle's frames are told apart from user code by their folder.
    const dir = join(tmpdir(), 'parproc-child-bundles', Bun.hash(stamp).toString(16));
    const bundle = join(dir, 'child-main.js');
    if (!existsSync(bundle)) {
      const tmp = `${dir}.${process.pid}.tmp`;
      const built = await Bun.build({ entrypoints: [entry], target: 'bun', format: 'cjs', bytecode: true, outdir: tmp });
      if (!built.success) throw new Error(built.logs.join('\n'));
      try {
        renameSync(tmp, dir);
      } catch {
        rmSync(tmp, { recursive: true, force: true }); // another process made it first
      }
    }
    return [process.execPath, bundle];
  } catch {
    return [process.execPath, entry];
  }
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

class ChildProc implements Channel {
  readonly #child;
  readonly #listeners = new Set<(m: FromRemote) => void>();
  readonly gone: Promise<number | null>;
  /** Where its output goes: the log of the proc it runs (output before that is dropped). */
  log: JobLog | null = null;
  /** Both pipes read to the end. */
  readonly drained: Promise<unknown>;
  /** Modules it was asked to import ahead. */
  readonly preloaded = new Set<string>();

  constructor(command: string[]) {
    this.#child = Bun.spawn(command, {
      // The cwd is inherited; the env is passed (Bun.spawn would not see process.env changes).
      env: process.env,
      stdin: 'ignore',
      stdout: 'pipe',
      stderr: 'pipe',
      // Its own process group: a stop kills it with everything it started.
      detached: true,
      // Plain data only crosses (results are JSON-safe by contract): JSON is the cheaper channel.
      serialization: 'json',
      ipc: (m: unknown) => {
        for (const l of this.#listeners) l(m as FromRemote);
      },
    });
    const exited = this.#child.exited.then((code) => code ?? null);
    trackGroup(this.#child.pid, exited);
    this.gone = exited;
    this.drained = Promise.all([this.#pump(this.#child.stdout, 'stdout'), this.#pump(this.#child.stderr, 'stderr')]);
  }

  async #pump(stream: ReadableStream<Uint8Array>, name: 'stdout' | 'stderr'): Promise<void> {
    const decoder = new TextDecoder();
    for await (const chunk of stream) {
      const text = decoder.decode(chunk, { stream: true });
      if (text) this.log?.write(name, text);
    }
    const rest = decoder.decode();
    if (rest) this.log?.write(name, rest);
  }

  send(msg: ToRemote): void {
    this.#child.send(msg);
  }

  listen(fn: (m: FromRemote) => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  preload(module: string): void {
    if (this.preloaded.has(module)) return;
    this.preloaded.add(module);
    this.send({ type: 'preload', module });
  }

  /** SIGTERM to its group, SIGKILL after a grace period. */
  kill(): void {
    const pid = this.#child.pid;
    killGroup(pid, 'SIGTERM');
    const t = setTimeout(() => killGroup(pid, 'SIGKILL'), KILL_GRACE_MS);
    t.unref?.();
    void this.gone.then(() => {
      clearTimeout(t);
      killGroup(pid, 'SIGKILL'); // members that outlived the leader
    });
  }

  /** Ends it at once, with its group (its proc is done, or it was never used). */
  end(): void {
    killGroup(this.#child.pid, 'SIGKILL');
  }
}

export class ProcessRunner implements ProcRunner {
  #warm: ChildProc[] = [];
  /** Every child not known to have exited (warm, running, or stopped and lingering). */
  #live = new Set<ChildProc>();
  #parallel: () => number;
  #command: string[];
  /** Procs of this runner running now. */
  #running = 0;

  constructor(parallel: () => number, command: string[]) {
    this.#parallel = parallel;
    this.#command = command;
  }

  async run(job: ProcJob): Promise<Outcome> {
    const spec = toJobSpec(job, 'process');
    if (spec instanceof Error) return failBeforeStart(job, spec);
    const child = this.#take(spec.module);
    child.log = job.log;
    child.preload(spec.module);
    this.#running++;
    this.#topUp(spec.module);
    const outcome = await runRemote(job, spec, child).finally(() => this.#running--);
    if (outcome.lingering) {
      void outcome.lingering.then(() => child.end());
      return outcome;
    }
    child.end();
    // Everything it printed is in the log before the proc ends.
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([child.drained, new Promise((r) => (timer = setTimeout(r, DRAIN_MS)))]);
    clearTimeout(timer);
    return outcome;
  }

  /** A warm child that imported `module` already, else any warm one, else a new one. */
  #take(module: string): ChildProc {
    const i = this.#warm.findIndex((c) => c.preloaded.has(module));
    if (i >= 0) return this.#warm.splice(i, 1)[0] as ChildProc;
    return this.#warm.pop() ?? this.#spawn();
  }

  #spawn(): ChildProc {
    const c = new ChildProc(this.#command);
    this.#live.add(c);
    void c.gone.then(() => this.#live.delete(c));
    return c;
  }

  /**
   * Starts children ahead, importing `module` meanwhile: as many as procs of this mode run now (a
   * chain needs one ready for its next link, a burst of 8 eight), up to `parallel` and at most 8.
   * Each imports the task file, top-level side effects and all: a run with one such proc starts
   * one spare, not eight.
   */
  #topUp(module: string): void {
    const target = Math.min(this.#parallel(), MAX_WARM, this.#running);
    while (this.#warm.length < target) {
      const c = this.#spawn();
      c.preload(module);
      this.#warm.push(c);
      void c.gone.then(() => {
        const at = this.#warm.indexOf(c);
        if (at >= 0) this.#warm.splice(at, 1);
      });
    }
  }

  /** Ends the warm children (a run ended). */
  idle(): void {
    for (const c of this.#warm) c.end();
    this.#warm = [];
  }

  /** Ends every child, also those whose stopped proc still runs (the manager closes: exit). */
  dispose(): void {
    this.idle();
    for (const c of this.#live) c.end();
  }
}
