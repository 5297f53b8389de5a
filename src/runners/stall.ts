/**
 * Procs whose promise can never settle. When the event loop runs empty (`beforeExit`) while inline
 * procs are still running, nothing is left that could settle them — no timer, no I/O, no process:
 * they wait on a promise nobody holds. Without this the process just ended, exit code 0, with the
 * run unfinished and no summary. Each such proc is told, and fails; the run then goes on.
 * (A script that waits at its top level for such a run hangs instead: Bun keeps a pending
 * top-level await alive and does not emit `beforeExit`.)
 *
 * Bun does not count a timer made with `.unref()` as keeping the loop alive, yet it is still due:
 * a proc awaiting one (a poll, a back-off) is not stuck. So the first time the loop runs empty,
 * it is kept up for `GRACE_MS`, and only a proc still waiting when it runs empty again is told.
 */
const GRACE_MS = 1000;

/** Each waiter, and whether the loop has run empty once since it came. */
const waiting = new Map<() => void, { graced: boolean }>();
let listening = false;
let grace: ReturnType<typeof setTimeout> | null = null;

function emptied(): void {
  if (grace !== null) return; // still in a grace
  let pending = false;
  for (const [stalled, state] of [...waiting]) {
    if (state.graced) stalled();
    else {
      state.graced = true;
      pending = true;
    }
  }
  if (pending) grace = setTimeout(() => (grace = null), GRACE_MS);
}

/** Calls `stalled` if the event loop runs empty (and again after a grace) before the returned function is called. */
export function onStall(stalled: () => void): () => void {
  if (!listening) {
    listening = true;
    process.on('beforeExit', emptied);
  }
  waiting.set(stalled, { graced: false });
  return () => waiting.delete(stalled);
}
