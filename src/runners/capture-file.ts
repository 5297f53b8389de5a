/**
 * A command proc's output straight to a file (issue 11). When nothing shows output live (no
 * `--stream`, `--json`, debug display or `onEvent` listener wants `proc-output` events), a command
 * proc's stdout and stderr both go to one anonymous temporary file — Linux `O_TMPFILE` in the
 * log dir: no name, no directory entry, gone when closed — instead of two pipes read through
 * streams. Bun spawns a command that way for about the cost of `stdout: 'ignore'`, and the log
 * keeps stdout and stderr in exactly the order they were written. Files are reused from command
 * to command (emptied after one that wrote): making a file costs the disk more than a pipe.
 *
 * The file is read into the proc's log while the command runs (every 250 ms, so the display and
 * `tail -f` see the log grow), when it ends, and on a forced exit. Where the file cannot be made
 * (another OS, a file system without `O_TMPFILE`, no log dir) or the disk is nearly full,
 * commands use pipes.
 */
import { fs } from '../util/fs.ts';
import type { OutputSink } from '../util/stdio.ts';

/** Linux's `__O_TMPFILE` (the same on x86-64 and arm64); it is used with `O_DIRECTORY`. */
const TMPFILE_BIT = 0o20000000;
const POLL_MS = 250;
/** Read at most this much at a time (a command that printed a lot is copied in pieces). */
const CHUNK = 64 * 1024;

/** Directories where a capture file could not be made (all of them off Linux). */
const refused = new Set<string>();
const linux = process.platform === 'linux';
/** One buffer for every read: each read is decoded before the next. */
let buffer: Uint8Array | null = null;

/** Captures being read while their commands run (a forced exit drains them all). */
const following = new Set<CaptureFile>();
let poller: ReturnType<typeof setInterval> | null = null;

/** Capture files free for the next command, by directory (reused: making a file costs the disk more than a pipe). */
const free = new Map<string, CaptureFile[]>();

/**
 * Below this much free space a command's output goes through pipes: where a full disk would only
 * cost the log a write (a warning), a capture file would make the command's own writes fail.
 */
export const MIN_FREE_BYTES = 64 * 1024 * 1024;
/** Free space is asked at most this often per directory. */
const ROOM_MS = 1000;
const room = new Map<string, { at: number; bytes: number }>();

/** Whether the file system of `dir` has `minFree` bytes free (asked once a second at most). */
function hasRoom(dir: string, minFree: number): boolean {
  const now = Date.now();
  let seen = room.get(dir);
  if (seen === undefined || now - seen.at >= ROOM_MS) room.set(dir, (seen = { at: now, bytes: freeBytes(dir) }));
  return seen.bytes >= minFree;
}

function freeBytes(dir: string): number {
  try {
    const st = fs().statfsSync(dir);
    return st.bavail * st.bsize;
  } catch {
    return 0;
  }
}

/**
 * A capture file in `dir` (the log's directory: the output ends up on that disk anyway, and the
 * file never holds more than the log will), reused or made; `null` when none can be made there,
 * or its disk is nearly full (the caller uses pipes).
 */
export function openCapture(dir: string, minFree = MIN_FREE_BYTES): CaptureFile | null {
  if (!linux || refused.has(dir) || !hasRoom(dir, minFree)) return null;
  const reused = free.get(dir)?.pop();
  if (reused !== undefined) return reused;
  try {
    const f = fs();
    // O_APPEND: after the file is emptied for its next command, that command writes from the start.
    return new CaptureFile(dir, f.openSync(dir, f.constants.O_RDWR | f.constants.O_APPEND | f.constants.O_DIRECTORY | TMPFILE_BIT, 0o600));
  } catch {
    refused.add(dir);
    return null;
  }
}

/** Reads every followed capture into its log now (a forced exit; never throws). */
export function drainCaptures(): void {
  for (const c of following) c.read();
}

/**
 * The poller's tick: reads what is followed, and stops once nothing is. (Stopped here, not when
 * the last command ends: a chain of commands would stop and start it for each.)
 */
function poll(): void {
  if (following.size === 0 && poller !== null) {
    clearInterval(poller);
    poller = null;
  }
  drainCaptures();
}

/** kill(2) with its error number as the result (0: sent) — Node's and Bun's `process._kill`, under `process.kill`. */
type RawKill = (pid: number, signal: number) => unknown;
const hasRawKill = typeof (process as { _kill?: RawKill })._kill === 'function';

/**
 * Whether process group `pgid` has a member left: signal 0. "No such group" is the answer for
 * nearly every command, so it is asked often: through `process._kill`, which gives it as a number
 * (about 1 µs, where `process.kill`'s exception took about 9 µs at each link of a chain), else as
 * an exception made without a stack trace.
 */
function groupAlive(pgid: number): boolean {
  if (hasRawKill) {
    const err = (process as unknown as { _kill: RawKill })._kill(-pgid, 0);
    if (typeof err === 'number') return err === 0;
  }
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/** Whether process `pid` is a live (not zombie) member of group `pgid`. */
function memberOf(pid: string, pgid: number): boolean {
  let stat: string;
  try {
    stat = fs().readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return false; // gone meanwhile
  }
  // pid (comm) state ppid pgrp …; comm may hold spaces and parentheses.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[2]) === pgid && fields[0] !== 'Z' && fields[0] !== 'X';
}

export class CaptureFile {
  readonly dir: string;
  readonly fd: number;
  #offset = 0;
  #decoder: TextDecoder | null = null;
  #sink: OutputSink | null = null;
  #closed = false;

  constructor(dir: string, fd: number) {
    this.dir = dir;
    this.fd = fd;
  }

  /** Copies what the command writes into `sink` while it runs. */
  follow(sink: OutputSink): void {
    this.#sink = sink;
    following.add(this);
    if (poller === null) {
      poller = setInterval(poll, POLL_MS);
      poller.unref?.();
    }
  }

  /** Copies what was written since the last read to the sink. */
  read(): void {
    const sink = this.#sink;
    if (sink === null || this.#closed) return;
    try {
      const f = fs();
      buffer ??= new Uint8Array(CHUNK);
      for (;;) {
        const got = f.readSync(this.fd, buffer, 0, CHUNK, this.#offset);
        if (got <= 0) break;
        this.#offset += got;
        this.#decoder ??= new TextDecoder();
        const text = this.#decoder.decode(buffer.subarray(0, got), { stream: true });
        if (text) sink.write('stdout', text);
        if (got < CHUNK) break;
      }
    } catch (err) {
      sink.write('stderr', `parproc: the command's output could not be read: ${(err as Error).message}\n`);
      this.#sink = null;
    }
  }

  /**
   * Resolves once no process of group `pgid` (the command's; its leader has exited) holds this
   * file open — what the end of file on a pipe says: a background process that kept the output
   * is waited for, one that sent it elsewhere (`cmd >/dev/null &`) is not.
   */
  released(pgid: number): Promise<void> | undefined {
    // Nothing to wait for, the common case, answers at once: the next command of a chain
    // starts without a turn of the event loop in between.
    return this.#heldBy(pgid) ? this.#whileHeld(pgid) : undefined;
  }

  async #whileHeld(pgid: number): Promise<void> {
    for (let wait = 10; this.#heldBy(pgid); wait = Math.min(wait * 2, 250)) await Bun.sleep(wait);
  }

  /**
   * Whether a live process of group `pgid` has this file open. One signal-0 answers in the common
   * case (no member left); otherwise /proc is read: the members (exited ones wait as zombies until
   * an init that may be slow, or never reaps — a container's PID 1 — collects them), then their
   * descriptors.
   */
  #heldBy(pgid: number): boolean {
    if (!groupAlive(pgid)) return false;
    const f = fs();
    try {
      const self = f.fstatSync(this.fd);
      for (const p of f.readdirSync('/proc')) {
        if (p.charCodeAt(0) > 57 || !memberOf(p, pgid)) continue; // not a pid, or not in the group
        let fds: string[];
        try {
          fds = f.readdirSync(`/proc/${p}/fd`);
        } catch {
          continue; // gone meanwhile
        }
        for (const fd of fds) {
          const st = f.statSync(`/proc/${p}/fd/${fd}`, { throwIfNoEntry: false });
          if (st !== undefined && st.ino === self.ino && st.dev === self.dev) return true;
        }
      }
    } catch {
      // /proc unreadable: nothing to wait for that can be seen
    }
    return false;
  }

  /**
   * Reads the rest; the file is emptied and kept for the next command (the caller has seen it
   * `released`: nothing of the command is left to write here).
   */
  finish(): void {
    this.read();
    const rest = this.#decoder?.decode() ?? '';
    if (rest) this.#sink?.write('stdout', rest);
    this.#unfollow();
    this.#sink = null;
    this.#decoder = null;
    if (this.#offset > 0) {
      try {
        fs().ftruncateSync(this.fd, 0);
      } catch {
        this.close();
        return;
      }
      this.#offset = 0;
    }
    let list = free.get(this.dir);
    if (list === undefined) free.set(this.dir, (list = []));
    list.push(this);
  }

  /** Closes the file for good (one that cannot be emptied is not reused). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#unfollow();
    try {
      fs().closeSync(this.fd);
    } catch {
      // nothing was lost: the file had been read
    }
  }

  #unfollow(): void {
    following.delete(this);
  }
}
