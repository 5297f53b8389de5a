#!/usr/bin/env bun
/**
 * The `parproc` command. Kept tiny: `--version` loads nothing else, a repeated no-op answers from
 * its seal before anything else loads, and each command loads only what it uses. (No top-level
 * await: the binary is compiled to bytecode, which needs that.)
 */
import pkg from '../package.json' with { type: 'json' };
import { installLoadTracking } from './cli/load-tracker.ts';
import { startWithReluctantJit } from './cli/jit-policy.ts';
import { replaySeal, sealMayFollow } from './cli/noop-seal.ts';

const startedAt = performance.now();
startWithReluctantJit();
const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v')) {
  // Not through process.stdout, whose first touch costs Bun ~20 ms. A reader that went away
  // (`parproc --version | true`) is not an error.
  Bun.write(Bun.stdout, `${pkg.version}\n`).catch(() => {});
} else if (argv[0] === '__parproc-child') {
  // The compiled binary as the child process of `mode: 'process'`.
  void import('./runners/child-entry.ts').then(({ runChild }) => runChild());
} else {
  const replayed = argv.includes('--no-quick') ? null : replaySeal(argv, startedAt);
  if (replayed !== null) process.exit(replayed);
  // Before anything imports node:fs: what loading the task file reads is seen (for the next seal).
  if (sealMayFollow()) installLoadTracking();
  void import('./cli/main.ts')
    .then(({ main }) => main(argv))
    .then((code) => process.exit(code));
}
