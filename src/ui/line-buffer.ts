/**
 * Coalesces the lines a reporter writes during one synchronous burst (a pump of the scheduler can
 * end thousands of procs at once) into a single write, flushed in a microtask — so before any
 * `await` resumes and before the process exits.
 */
export function bufferedWriter(write: (text: string) => void): (text: string) => void {
  let chunks: string[] = [];
  const flush = () => {
    const text = chunks.join('');
    chunks = [];
    write(text);
  };
  return (text) => {
    if (chunks.length === 0) queueMicrotask(flush);
    chunks.push(text);
  };
}
