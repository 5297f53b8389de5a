/**
 * A process-mode child dies with its parent. When the parent goes away in order, or is killed while
 * the child waits, the IPC channel closes and the child exits ('disconnect'). A child busy in a
 * proc's synchronous loop never reads that channel, so a parent killed outright (`kill -9`, the
 * OOM killer) would leave it spinning for good. On Linux the kernel can send the child a signal
 * when its parent dies (`PR_SET_PDEATHSIG`), asked for here through libc's `prctl`.
 */

const PR_SET_PDEATHSIG = 1;
const SIGNALS = { SIGKILL: 9, SIGTERM: 15 } as const;

/**
 * Asks the kernel to send this process `signal` when its parent dies: SIGKILL for a process-mode
 * child (it may be busy), SIGTERM for the CLI under the watch supervisor (it stops as after
 * Ctrl+C, ending what it started). A no-op off Linux or without glibc (musl): a child's IPC
 * channel's 'disconnect' still ends it when it is not busy. If the parent died before this call,
 * the channel is already closed, and the child, which has no job yet, exits on it; given
 * `parent`, a process whose parent is already another gets `signal` at once.
 */
export function dieWithParent(signal: keyof typeof SIGNALS = 'SIGKILL', parent?: number): void {
  if (process.platform !== 'linux') return;
  try {
    const { dlopen, FFIType } = require('bun:ffi') as typeof import('bun:ffi');
    const { i32, u64 } = FFIType;
    const libc = dlopen('libc.so.6', { prctl: { args: [i32, u64, u64, u64, u64], returns: i32 } });
    libc.symbols.prctl(PR_SET_PDEATHSIG, SIGNALS[signal], 0, 0, 0);
    libc.close();
    if (parent !== undefined && process.ppid !== parent) process.kill(process.pid, signal);
  } catch {
    // no glibc or no FFI here: the 'disconnect' handler is all there is
  }
}
