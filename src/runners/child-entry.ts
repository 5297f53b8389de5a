/**
 * The child process of `mode: 'process'`, one per proc: replay mode on, the `parproc` virtual
 * module registered, jobs and replies over Bun's IPC channel. A proc's output — `console.*`,
 * `process.stdout/stderr.write` and the programs it starts — goes to this process's stdout and
 * stderr, which the parent reads into the proc's log. When the parent goes away, so does the child (parent-death.ts).
 */
import { registerSelfModule } from '../self-module.ts';
import type { ToRemote } from './protocol.ts';
import { RemoteExecutor, type LogFactory } from './remote-exec.ts';
import { lineLog } from './runner.ts';
import { enterReplay } from './replay.ts';
import { dieWithParent } from './parent-death.ts';

/**
 * Output written synchronously to the real descriptors, in order with subprocess output. node:fs
 * is loaded on the first write: it costs Bun several ms per process, and most procs write nothing.
 */
let writeSync: ((fd: number, text: string) => number) | null = null;
const fdLog: LogFactory = () =>
  lineLog((stream, text) => {
    try {
      writeSync ??= (require('node:fs') as typeof import('node:fs')).writeSync;
      writeSync(stream === 'stdout' ? 1 : 2, text);
    } catch {
      // the parent stopped reading: nothing left to tell
    }
  });

/** How long a job runs before the IPC channel stops keeping this process up for it. */
const UNHOLD_AFTER_MS = 100;

/**
 * The IPC channel keeps this process up only while it must hear the parent (remote-exec.ts): a
 * proc that waits on nothing then ends the event loop, and fails as never settled. It is let go
 * once a job has run a moment: Bun's `process.channel` costs about 1 ms to reach, which most
 * procs, done sooner, never pay.
 */
function holdChannel(): (held: boolean) => void {
  let timer: ReturnType<typeof setTimeout> | null = null;
  let channel: { ref(): void; unref(): void } | null = null;
  return (held) => {
    if (timer !== null) clearTimeout(timer);
    timer = null;
    if (held) channel?.ref();
    else {
      timer = setTimeout(() => {
        timer = null;
        channel ??= (process as { channel?: { ref(): void; unref(): void } }).channel ?? null;
        channel?.unref();
      }, UNHOLD_AFTER_MS);
    }
  };
}

/** Starts the child side (called by the CLI for `__parproc-child`, or as a script under bun). */
export function runChild(): void {
  dieWithParent();
  enterReplay();
  const ready = registerSelfModule(() => import('./replay-api.ts'));
  const send = (m: unknown) => process.send?.(m);
  const executor = new RemoteExecutor(send, fdLog, 'child process', holdChannel());
  process.on('message', (m) => void ready.then(() => executor.handle(m as ToRemote)));
  process.on('disconnect', () => process.exit(1));
}

