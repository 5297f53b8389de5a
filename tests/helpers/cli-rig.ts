/**
 * Runs the real CLI (`bun src/cli.ts`, or a compiled binary) in a temp dir. Usage:
 * `await using rig = await CliRig.create()`, `rig.write({...})`, `await rig.exec([...])`.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { RunEvent } from '../../src/index.ts';

export const ROOT = join(import.meta.dir, '..', '..');
export const SRC_CLI = join(ROOT, 'src', 'cli.ts');

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

export class CliRig implements AsyncDisposable {
  readonly dir: string;
  readonly command: string[];

  private constructor(dir: string, command: string[]) {
    this.dir = dir;
    this.command = command;
  }

  /** A rig in a fresh temp dir; `bin` is a compiled parproc, default `bun src/cli.ts`. */
  static async create(opts: { bin?: string } = {}): Promise<CliRig> {
    const dir = mkdtempSync(join(tmpdir(), 'parproc-e2e-'));
    return new CliRig(dir, opts.bin ? [opts.bin] : [process.execPath, SRC_CLI]);
  }

  /** Writes files relative to the rig's dir. */
  write(files: Record<string, string>): void {
    for (const [rel, text] of Object.entries(files)) {
      const path = join(this.dir, rel);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, text);
    }
  }

  /** Starts the CLI; the caller owns the child. */
  /** CLIs spawned by `spawn`: one a failed test left running is ended at dispose. */
  #spawned: Bun.Subprocess[] = [];

  spawn(args: string[], opts: { cwd?: string; env?: Record<string, string>; stdin?: string } = {}) {
    const child = Bun.spawn([...this.command, ...args], {
      cwd: opts.cwd ? join(this.dir, opts.cwd) : this.dir,
      env: { ...process.env, NO_COLOR: '1', CI: '1', ...opts.env },
      stdin: opts.stdin === undefined ? 'ignore' : new TextEncoder().encode(opts.stdin),
      stdout: 'pipe',
      stderr: 'pipe',
    });
    this.#spawned.push(child);
    return child;
  }

  /** Runs the CLI to completion. */
  async exec(args: string[], opts: { cwd?: string; env?: Record<string, string>; stdin?: string } = {}): Promise<ExecResult> {
    const child = this.spawn(args, opts);
    const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
    return { code, stdout, stderr };
  }

  async [Symbol.asyncDispose](): Promise<void> {
    // A test that failed before it stopped its CLI (say, an expect before the Ctrl+C) must not
    // leave it, or what it started, running: two Ctrl+Cs end the CLI and every process group of
    // its procs at once; then SIGKILL if it still lives. A test that passed with a CLI still
    // running fails here (the house style's rig: nothing outlives its test).
    const left: string[] = [];
    for (const child of this.#spawned) {
      if (child.exitCode !== null || child.signalCode !== null) continue;
      left.push(String(child.pid));
      child.kill('SIGINT');
      child.kill('SIGINT');
      const gone = await Promise.race([child.exited.then(() => true), Bun.sleep(5000).then(() => false)]);
      if (!gone) child.kill('SIGKILL');
    }
    rmSync(this.dir, { recursive: true, force: true });
    if (left.length > 0) throw new Error(`the test left ${left.length} parproc CLI process(es) running (pid ${left.join(', ')}); ended at dispose`);
  }
}

/** Parses `--json` output: events, then the summary. */
export function parseNdjson(stdout: string): { events: RunEvent[]; summary: { type: 'summary'; ok: boolean; durationMs: number; procs: { name: string; state: string; error: string | null; moreInfo: string | null; durationMs: number | null }[] } } {
  const lines = stdout.trim().split('\n').map((l) => JSON.parse(l));
  const summary = lines.pop();
  return { events: lines, summary };
}

/** Live (not zombie) processes whose command line starts with `prefix`. */
export function processesMatching(prefix: string): string[] {
  const out = Bun.spawnSync(['ps', '-eo', 'stat=,args=']).stdout.toString();
  return out
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => {
      const [stat = '', ...args] = l.split(/\s+/);
      return !stat.startsWith('Z') && args.join(' ').startsWith(prefix);
    });
}

/**
 * Reads a child's stream as it arrives: `until(pred)` resolves once the text so far satisfies
 * `pred` (waiting for an event, not a fixed sleep), `rest()` the whole text once the stream ends.
 */
export class StreamReader {
  #text = '';
  #done: Promise<string>;
  #waiters: { pred: (text: string) => boolean; resolve: () => void }[] = [];

  constructor(stream: ReadableStream<Uint8Array>) {
    const decoder = new TextDecoder();
    this.#done = (async () => {
      for await (const chunk of stream) {
        this.#text += decoder.decode(chunk, { stream: true });
        this.#waiters = this.#waiters.filter((w) => (w.pred(this.#text) ? (w.resolve(), false) : true));
      }
      return this.#text;
    })();
  }

  /** The text so far. */
  get text(): string {
    return this.#text;
  }

  /** Resolves when `pred(text so far)` holds; rejects if the stream ends first. */
  until(pred: (text: string) => boolean): Promise<void> {
    if (pred(this.#text)) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.#waiters.push({ pred, resolve });
      void this.#done.then(() => {
        if (!pred(this.#text)) reject(new Error(`stream ended without the expected text; got:\n${this.#text.slice(-2000)}`));
      });
    });
  }

  rest(): Promise<string> {
    return this.#done;
  }
}

/** Live processes whose working directory is `dir` (or inside it), from /proc. */
export function processesIn(dir: string): string[] {
  const out: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cwd = readlinkSync(`/proc/${pid}/cwd`);
      if (cwd !== dir && !cwd.startsWith(`${dir}/`)) continue;
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (/\) Z /.test(stat)) continue; // a zombie is not running
      out.push(`${pid} ${readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim()}`);
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return out;
}
