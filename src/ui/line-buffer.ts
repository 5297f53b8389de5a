type Write = (text: string) => void;

/** One buffer per destination: reporters sharing a stream keep their lines in event order. */
const buffers = new WeakMap<Write, Write>();

/**
 * Coalesces the lines a reporter writes during one synchronous burst (a pump of the scheduler can
 * end thousands of procs at once) into a single write, flushed in a microtask — so before any
 * `await` resumes and before the process exits. Reporters writing to the same `write` share its
 * buffer (`--stream`'s lines and the display's, on one stream).
 */
export function bufferedWriter(write: Write): Write {
  const known = buffers.get(write);
  if (known) return known;
  let chunks: string[] = [];
  const flush = () => {
    const text = chunks.join('');
    chunks = [];
    write(text);
  };
  const buffered: Write = (text) => {
    if (chunks.length === 0) queueMicrotask(flush);
    chunks.push(text);
  };
  buffers.set(write, buffered);
  return buffered;
}
