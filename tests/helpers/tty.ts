/** Running the real CLI on a pseudo-terminal: util-linux `script` for raw output, tmux for screens. */
import { SRC_CLI } from './cli-rig.ts';

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** The CLI command line for a shell. */
export function cliCommand(args: string[]): string {
  return [process.execPath, SRC_CLI, ...args].map(shellQuote).join(' ');
}

/** An environment for a terminal session: CI unset so the live display is the default. */
export function ttyEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = { ...(process.env as Record<string, string>), TERM: 'xterm-256color', ...extra };
  delete env.CI;
  delete env.NO_COLOR;
  return env;
}

/** Runs `args` under `script` on a pty; returns the raw bytes it wrote and its exit code. */
export async function runInPty(args: string[], cwd: string): Promise<{ code: number; out: string }> {
  const child = Bun.spawn(['script', '-qfec', `stty cols 100 rows 30; ${cliCommand(args)}`, '/dev/null'], {
    cwd,
    env: ttyEnv(),
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
  });
  const [out, code] = await Promise.all([new Response(child.stdout).text(), child.exited]);
  return { code, out };
}

/** A tmux server of its own, with one window of a fixed size. */
export class Tmux implements AsyncDisposable {
  readonly socket = `parproc-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;

  private run(args: string[]): string {
    const p = Bun.spawnSync(['tmux', '-L', this.socket, ...args], { stdout: 'pipe', stderr: 'pipe' });
    return p.stdout.toString();
  }

  /** Starts `args` (then prints its exit code and waits) in a `cols`×`rows` window. */
  start(args: string[], cwd: string, cols = 100, rows = 30): void {
    const env = ttyEnv();
    const envArgs = ['PATH', 'HOME', 'TERM'].flatMap((k) => (env[k] ? ['-e', `${k}=${env[k]}`] : []));
    // The wrapper shell survives Ctrl+C (a trap), so it can print the CLI's exit code.
    const cmd = `trap 'true' INT; cd ${shellQuote(cwd)} && ${cliCommand(args)}; echo "__EXIT_$?__"; sleep 60`;
    Bun.spawnSync(['tmux', '-L', this.socket, '-f', '/dev/null', 'new-session', '-d', ...envArgs, '-x', String(cols), '-y', String(rows), 'sh', '-c', cmd], {
      env: { ...env, TMUX: '' },
    });
  }

  /** The visible screen, as text. */
  screen(): string {
    return this.run(['capture-pane', '-p']);
  }

  sendKeys(...keys: string[]): void {
    this.run(['send-keys', ...keys]);
  }

  /** Lines in the pane's scrollback (history). */
  historySize(): number {
    return Number(this.run(['display-message', '-p', '#{history_size}']).trim());
  }

  /** Whether the cursor is visible in the pane. */
  cursorVisible(): boolean {
    return this.run(['display-message', '-p', '#{cursor_flag}']).trim() === '1';
  }

  /** Polls the screen (the only way to watch a terminal) until `pred` holds; throws after 20 s. */
  async waitFor(pred: (screen: string) => boolean, what: string): Promise<string> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const s = this.screen();
      if (pred(s)) return s;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; screen:\n${s}`);
      await Bun.sleep(25);
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.run(['kill-server']);
  }
}
