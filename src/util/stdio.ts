/**
 * The process's real stdout/stderr, and the redirection of `console.*` and
 * `process.stdout/stderr.write` made inside an inline proc into that proc's log (API.md "Inside a
 * proc"), attributed through async context.
 *
 * State is kept on `globalThis` under a `Symbol.for` key: two loaded copies of the library must
 * patch the console once and agree on where output goes.
 */
import type { AsyncLocalStorage } from 'node:async_hooks';
import { formatValues } from './format-values.ts';
import { fs } from './fs.ts';
import { utf8Length } from './utf8-length.ts';

/** Where a proc's output goes. */
export interface OutputSink {
  write(stream: 'stdout' | 'stderr', text: string): void;
}

interface StdioState {
  als: AsyncLocalStorage<OutputSink>;
  patched: boolean;
  /** Where output outside any proc goes while set (the CLI's task-file load under `--json`). */
  fallback: OutputSink | null;
}

const KEY = Symbol.for('parproc.stdio.2');

/** Streams whose reader went away (EPIPE, e.g. `parproc | head`): later writes are dropped. */
const closed = { stdout: false, stderr: false };
const g = globalThis as unknown as Record<symbol, StdioState | undefined>;

function state(): StdioState {
  let s = g[KEY];
  if (!s) {
    s = {
      // Loaded on first use: a child process of `mode: 'process'` never captures, and starts faster.
      als: new (require('node:async_hooks') as typeof import('node:async_hooks')).AsyncLocalStorage<OutputSink>(),
      patched: false,
      fallback: null,
    };
    g[KEY] = s;
  }
  return s;
}

let encoder: TextEncoder | null = null;

/**
 * parproc's own output goes straight to the file descriptor, never through `process.stdout`:
 * Bun builds the whole Node stream stack on its first touch (about 20 ms, more than a no-op run
 * costs). Writes are synchronous, so nothing is lost at exit; a full non-blocking pipe is waited
 * out; a reader that went away (EPIPE, `parproc | head`) or a closed descriptor turns the stream
 * off, never the run. The text goes as a string, whole nearly always; only what a full
 * non-blocking pipe did not take is encoded, to go on from the byte where it stopped (encoding
 * every text first cost a one-command run about 0.1 ms, the encoder's first use).
 */
function safeWrite(stream: 'stdout' | 'stderr', text: string): void {
  if (closed[stream] || text.length === 0) return;
  tap?.(stream, text);
  const fd = stream === 'stdout' ? 1 : 2;
  let bytes: Uint8Array | null = null;
  let at = 0;
  for (;;) {
    try {
      if (bytes === null) {
        at = fs().writeSync(fd, text);
        if (at >= utf8Length(text)) return;
        bytes = (encoder ??= new TextEncoder()).encode(text);
      }
      if (at >= bytes.length) return;
      at += fs().writeSync(fd, bytes, at, bytes.length - at);
    } catch (err) {
      if ((err as { code?: string }).code === 'EAGAIN') {
        Bun.sleepSync(1);
        continue;
      }
      closed[stream] = true;
      return;
    }
  }
}

/** Sees everything parproc writes to stdout and stderr (the CLI's no-op seal records a run's output). */
let tap: ((stream: 'stdout' | 'stderr', text: string) => void) | null = null;

export function setWriteTap(t: typeof tap): void {
  tap = t;
}

/** Writes to the real stdout, bypassing proc capture. */
export function writeStdout(text: string): void {
  safeWrite('stdout', text);
}

/** Writes to the real stderr, bypassing proc capture. */
export function writeStderr(text: string): void {
  safeWrite('stderr', text);
}

const decoder = new TextDecoder();
const toText = (chunk: unknown): string =>
  typeof chunk === 'string' ? chunk : chunk instanceof Uint8Array ? decoder.decode(chunk) : String(chunk);

type Write = (chunk: string | Uint8Array) => boolean;

/** Captures console and process stdio (the first capture materialises `process.stdout`). */
function patch(s: StdioState): void {
  if (s.patched) return;
  s.patched = true;
  // A reader that goes away (`parproc | head`) is not a crash: stop writing to it.
  for (const name of ['stdout', 'stderr'] as const) {
    process[name].on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE') throw err;
      closed[name] = true;
    });
  }
  const wrapWrite = (stream: 'stdout' | 'stderr', original: Write) =>
    function write(chunk: unknown, ...rest: unknown[]): boolean {
      const sink = s.als.getStore() ?? s.fallback;
      if (!sink) return (original as (...a: unknown[]) => boolean)(chunk, ...rest);
      sink.write(stream, toText(chunk));
      const cb = rest.find((x) => typeof x === 'function') as (() => void) | undefined;
      if (cb) queueMicrotask(cb);
      return true;
    };
  process.stdout.write = wrapWrite('stdout', process.stdout.write.bind(process.stdout) as Write) as typeof process.stdout.write;
  process.stderr.write = wrapWrite('stderr', process.stderr.write.bind(process.stderr) as Write) as typeof process.stderr.write;
  const methods: ['log' | 'info' | 'debug' | 'trace' | 'warn' | 'error', 'stdout' | 'stderr'][] = [
    ['log', 'stdout'], ['info', 'stdout'], ['debug', 'stdout'], ['trace', 'stderr'],
    ['warn', 'stderr'], ['error', 'stderr'],
  ];
  for (const [method, stream] of methods) {
    const original = console[method] as (...a: unknown[]) => void;
    (console as unknown as Record<string, unknown>)[method] = function captured(...args: unknown[]): void {
      const sink = s.als.getStore() ?? s.fallback;
      if (!sink) return original.apply(console, args);
      // Inside a console.group of the proc's: its own console indents.
      const own = consoles.get(sink);
      if (own) return (own[method] as (...a: unknown[]) => void)(...args);
      sink.write(stream, `${formatValues(args)}\n`);
    };
  }
  for (const method of RARE_METHODS) {
    const original = console[method] as (...a: unknown[]) => void;
    (console as unknown as Record<string, unknown>)[method] = function captured(...args: unknown[]): void {
      const sink = s.als.getStore() ?? s.fallback;
      if (!sink) return original.apply(console, args);
      (consoleOf(sink)[method] as (...a: unknown[]) => void)(...args);
    };
  }
}

/** Console methods beyond the common six: tables, groups, counters, timers, assertions. */
const RARE_METHODS = ['table', 'dir', 'dirxml', 'count', 'countReset', 'group', 'groupCollapsed', 'groupEnd', 'time', 'timeEnd', 'timeLog', 'assert'] as const;

/**
 * A proc's own console (node:console's `Console` writing to its sink), made when its code first
 * uses one of `RARE_METHODS`: its groups indent, its counters and timers are its own. Loaded only
 * then (node:console and node:stream cost a run that never uses them nothing).
 */
type OwnConsole = import('node:console').Console;
const consoles = new WeakMap<OutputSink, OwnConsole>();

function consoleOf(sink: OutputSink): OwnConsole {
  const own = consoles.get(sink);
  if (own === undefined) {
    const { Console: ConsoleClass } = require('node:console') as typeof import('node:console');
    const { Writable } = require('node:stream') as typeof import('node:stream');
    const stream = (name: 'stdout' | 'stderr') =>
      new Writable({
        write(chunk: unknown, _encoding: unknown, done: () => void) {
          sink.write(name, toText(chunk));
          done();
        },
      });
    const made: OwnConsole = new ConsoleClass({ stdout: stream('stdout'), stderr: stream('stderr'), colorMode: false });
    consoles.set(sink, made);
    return made;
  }
  return own;
}

/** Runs `fn` with console and process stdio output redirected to `sink`. */
export function withOutputSink<T>(sink: OutputSink, fn: () => T): T {
  const s = state();
  patch(s);
  return s.als.run(sink, fn);
}

/** The sink of the proc whose code is running now, if any. */
export function currentSink(): OutputSink | undefined {
  return g[KEY]?.als.getStore();
}

/** Runs `fn` with output going to the real terminal even inside a proc (prompts). */
export function withoutOutputSink<T>(fn: () => T): T {
  const s = state();
  return s.als.exit(fn);
}

/**
 * Runs `fn` (and what it awaits) with output made outside any proc sent to `sink`. Module
 * evaluation does not carry async context, so this is a process-wide fallback, set only while
 * `fn` runs.
 */
export async function withFallbackSink<T>(sink: OutputSink, fn: () => Promise<T>): Promise<T> {
  const s = state();
  patch(s);
  const previous = s.fallback;
  s.fallback = sink;
  try {
    return await fn();
  } finally {
    s.fallback = previous;
  }
}
