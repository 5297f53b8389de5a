/**
 * `ctx.prompt`: questions asked on the terminal one at a time (procs run in parallel). On a TTY,
 * node:readline (muted for passwords); with piped stdin, one line per question. Reporters pause
 * around a question through `onPrompt`. (consola's prompt, built on clack, loses the typed text
 * under Bun 1.4's readline, and has no password input, so it is not used here.)
 */
import { UserError } from './errors.ts';
import { withoutOutputSink, writeStderr } from './util/stdio.ts';

type PauseHook = (asking: boolean) => void;
const hooks = new Set<PauseHook>();
let chain: Promise<unknown> = Promise.resolve();

/** Registers a hook told when a question starts (`true`) and ends (`false`); returns its remover. */
export function onPrompt(hook: PauseHook): () => void {
  hooks.add(hook);
  return () => hooks.delete(hook);
}

/** The reason a prompt was given up: the proc's signal's reason (timeout, interrupt). */
const abortReason = (signal: AbortSignal): Error =>
  signal.reason instanceof Error ? signal.reason : new Error('prompt aborted: the proc was stopped');

/** Pauses (`true`) or resumes the displays, as around a question (an interactive proc). */
export function pauseDisplays(paused: boolean): void {
  for (const h of hooks) h(paused);
}

/**
 * Asks one question after any question already being asked. With `signal` (the proc's), an abort
 * gives the question up at once — queued or being asked — and releases the terminal and stdin.
 */
export function promptUser(message: string, opts: { password?: boolean } = {}, signal?: AbortSignal): Promise<string> {
  if (typeof message !== 'string') return Promise.reject(new UserError('ctx.prompt: the message must be a string', 'E_ARGS'));
  if (signal?.aborted) return Promise.reject(abortReason(signal));
  const next = chain.then(async () => {
    if (signal?.aborted) throw abortReason(signal);
    for (const h of hooks) h(true);
    try {
      // Outside the proc's output capture: the question is for the terminal, not the log.
      return await withoutOutputSink(() => ask(message, opts.password === true, signal));
    } finally {
      for (const h of hooks) h(false);
    }
  });
  chain = next.catch(() => undefined);
  if (!signal) return next;
  // A queued question rejects now; the chain skips it when its turn comes.
  return new Promise<string>((resolve, reject) => {
    const onAbort = () => reject(abortReason(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    next.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

async function ask(message: string, password: boolean, signal: AbortSignal | undefined): Promise<string> {
  if (process.stdin.isTTY) return askTty(message, password, signal);
  writeStderr(`${message} `);
  let line: string;
  try {
    line = await readLine(signal);
  } catch (err) {
    // No answer (stdin closed): the question's line still ends, before what is printed next.
    if ((err as { code?: unknown }).code === 'E_NO_INPUT') writeStderr('\n');
    throw err;
  }
  writeStderr(password ? '\n' : `${line}\n`);
  return line;
}

async function askTty(message: string, password: boolean, signal: AbortSignal | undefined): Promise<string> {
  const { createInterface } = await import('node:readline');
  const pc = (await import('./ui/colors.ts')).default;
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  let muted = false;
  (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = (s: string) => {
    if (!muted) writeStderr(s);
  };
  return new Promise<string>((resolve, reject) => {
    const onAbort = () => {
      rl.close();
      process.stdin.pause();
      writeStderr('\n');
      reject(abortReason(signal as AbortSignal));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    rl.question(`${pc.cyan('?')} ${pc.bold(message)} `, (answer) => {
      signal?.removeEventListener('abort', onAbort);
      rl.close();
      if (password) writeStderr('\n');
      resolve(answer);
    });
    muted = password;
  });
}

// ---- line reader over piped stdin: successive questions take successive lines.
let buffer = '';
let ended = false;
let pending: { resolve: (s: string) => void; reject: (e: unknown) => void } | null = null;
let attached = false;

function deliver(): void {
  if (!pending) return;
  const nl = buffer.indexOf('\n');
  if (nl >= 0) {
    const line = buffer.slice(0, nl).replace(/\r$/, '');
    buffer = buffer.slice(nl + 1);
    const p = pending;
    pending = null;
    process.stdin.pause();
    p.resolve(line);
  } else if (ended) {
    const p = pending;
    pending = null;
    if (buffer.length > 0) {
      const line = buffer;
      buffer = '';
      p.resolve(line);
    } else p.reject(new UserError('ctx.prompt: no answer: standard input is closed', 'E_NO_INPUT'));
  }
}

function readLine(signal: AbortSignal | undefined): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const onAbort = () => {
      if (pending?.reject !== rejectThis) return;
      pending = null;
      process.stdin.pause(); // stdin no longer holds the process open
      writeStderr('\n');
      reject(abortReason(signal as AbortSignal));
    };
    const rejectThis = (e: unknown) => {
      signal?.removeEventListener('abort', onAbort);
      reject(e);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    pending = {
      resolve: (line) => {
        signal?.removeEventListener('abort', onAbort);
        resolve(line);
      },
      reject: rejectThis,
    };
    if (!attached) {
      attached = true;
      process.stdin.setEncoding('utf8');
      process.stdin.on('data', (chunk: string) => {
        buffer += chunk;
        deliver();
      });
      process.stdin.on('end', () => {
        ended = true;
        deliver();
      });
    }
    deliver();
    if (pending) process.stdin.resume();
  });
}
