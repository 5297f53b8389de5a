type Write = (text: string) => void;

interface Buffer {
  write: Write;
  /** Escape sequences are taken out at each flush (a reporter that shows no colours asked). */
  strip: boolean;
}

/** One buffer per destination: reporters sharing a stream keep their lines in event order. */
const buffers = new WeakMap<Write, Buffer>();

/**
 * Coalesces the lines a reporter writes during one synchronous burst (a pump of the scheduler can
 * end thousands of procs at once) into a single write, flushed in a microtask — so before any
 * `await` resumes and before the process exits. Reporters writing to the same `write` share its
 * buffer (`--stream`'s lines and the display's, on one stream). With `strip`, ANSI escapes are
 * taken out of each flush, once for the whole text (colours are decided per stream, so every
 * reporter on it agrees).
 */
export function bufferedWriter(write: Write, strip = false): Write {
  const known = buffers.get(write);
  if (known) {
    known.strip ||= strip;
    return known.write;
  }
  let chunks: string[] = [];
  const entry: Buffer = { write: () => {}, strip };
  const flush = () => {
    const text = chunks.join('');
    chunks = [];
    write(entry.strip ? Bun.stripANSI(text) : text);
  };
  entry.write = (text) => {
    if (chunks.length === 0) queueMicrotask(flush);
    chunks.push(text);
  };
  buffers.set(write, entry);
  return entry.write;
}
