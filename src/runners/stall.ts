/**
 * Procs whose promise can never settle. When the event loop runs empty (`beforeExit`) while inline
 * procs are still running, nothing is left that could settle them — no timer, no I/O, no process:
 * they wait on a promise nobody holds. Without this the process just ended, exit code 0, with the
 * run unfinished and no summary. Each such proc is told, and fails; the run then goes on.
 * (A script that waits at its top level for such a run hangs instead: Bun keeps a pending
 * top-level await alive and does not emit `beforeExit`.)
 */
const waiting = new Set<() => void>();
let listening = false;

function emptied(): void {
  for (const stalled of [...waiting]) stalled();
}

/** Calls `stalled` if the event loop runs empty before the returned function is called. */
export function onStall(stalled: () => void): () => void {
  if (!listening) {
    listening = true;
    process.on('beforeExit', emptied);
  }
  waiting.add(stalled);
  return () => waiting.delete(stalled);
}
