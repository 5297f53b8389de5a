/**
 * The JIT at start-up. A run of the CLI executes many functions once each: the JIT would compile
 * some of them on the way, on another core, for nothing (a one-command run measured about 0.3 ms,
 * 2%, less without, and starts one thread fewer). So it starts reluctant — build.ts bakes the same
 * policy into the binary, so even the first module loads with it — and a run still going after a
 * moment is a long one: it gets the normal JIT back.
 */

/** How many times the usual number of calls the JIT waits for before compiling, at start-up. */
export const JIT_AT_START = 4;
/** When the normal JIT policy comes back. */
const NORMAL_AFTER_MS = 50;

export function startWithReluctantJit(): void {
  // Bun 1.4 has it; an older Bun (package.json allows 1.1) runs with its normal JIT.
  const set = (Bun.unsafe as { setJITPolicy?: (scale: number) => void }).setJITPolicy;
  if (typeof set !== 'function') return;
  set(JIT_AT_START);
  setTimeout(() => set(1), NORMAL_AFTER_MS).unref();
}
