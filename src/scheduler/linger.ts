/**
 * Locks of a proc whose code goes on after it ended (a timeout or an interrupt in inline mode):
 * lock holders never overlap while that code still runs, up to a cap (then a warning).
 */
import type { ProcNode } from '../graph/proc-node.ts';

/**
 * How long the locks of a proc whose code goes on after its timeout or interrupt stay held: lock
 * holders never overlap while the code still runs, up to this cap (reported as a warning).
 */
export const LINGER_CAP_MS = 10_000;

/** Calls `release` once `lingering` settles, or after `LINGER_CAP_MS` with `warn` called first. */
export function releaseWhenSettled(node: ProcNode, lingering: Promise<unknown>, release: () => void, warn: (message: string) => void): void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const cap = new Promise<'cap'>((r) => {
    timer = setTimeout(() => r('cap'), LINGER_CAP_MS);
    timer.unref?.();
  });
  const settled = lingering.then(() => 'settled' as const, () => 'settled' as const);
  void Promise.race([settled, cap]).then((how) => {
    clearTimeout(timer);
    if (how === 'cap') {
      warn(`proc "${node.name}" still runs ${LINGER_CAP_MS / 1000}s after it ended (${node.error}); its locks (${node.opts.locks.join(', ')}) are released now`);
    }
    release();
  });
}
