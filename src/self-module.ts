/**
 * The `parproc` virtual module: makes `import … from 'parproc'` in a task file resolve to the
 * running library — from the standalone binary with no node_modules, from `bun src/cli.ts`, and
 * over a local install — through a Bun runtime plugin, so there is one registry. Workers and
 * child processes register it too (each Bun thread has its own plugins), with the replay API.
 */
import { plugin } from 'bun';

let registered: Promise<void> | null = null;

/** Registers the virtual module once per thread, with the exports `load` gives. */
export function registerSelfModule(load: () => Promise<Record<string, unknown>>): Promise<void> {
  registered ??= (async () => {
    const api = await load();
    plugin({
      name: 'parproc-self',
      setup(build) {
        build.module('parproc', () => ({ exports: { ...api }, loader: 'object' }));
      },
    });
  })();
  return registered;
}
