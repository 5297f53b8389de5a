/**
 * A process-mode child dies with its parent. When the parent goes away in order, or is killed while
 * the child waits, the IPC channel closes and the child exits ('disconnect'). A child busy in a
 * proc's synchronous loop never reads that channel, so a parent killed outright (`kill -9`, the
 * OOM killer) would leave it spinning for good. On Linux the kernel can send the child a signal
 * when its parent dies (`PR_SET_PDEATHSIG`), asked for here through libc's `prctl`.
 */

const PR_SET_PDEATHSIG = 1;
const SIGKILL = 9;

/**
 * Asks the kernel to SIGKILL this process when its parent dies. A no-op off Linux or without glibc
 * (musl): the IPC channel's 'disconnect' still ends a child that is not busy. If the parent died
 * before this call, the channel is already closed, and the child, which has no job yet, exits on it.
 */
export function dieWithParent(): void {
  if (process.platform !== 'linux') return;
  try {
    const { dlopen, FFIType } = require('bun:ffi') as typeof import('bun:ffi');
    const { i32, u64 } = FFIType;
    const libc = dlopen('libc.so.6', { prctl: { args: [i32, u64, u64, u64, u64], returns: i32 } });
    libc.symbols.prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    libc.close();
  } catch {
    // no glibc or no FFI here: the 'disconnect' handler is all there is
  }
}
