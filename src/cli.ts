#!/usr/bin/env bun
/**
 * The `parproc` command. Kept tiny: `--version` loads nothing else, and each command loads only
 * what it uses.
 */
import pkg from '../package.json' with { type: 'json' };

const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v')) {
  process.stdout.write(`${pkg.version}\n`);
} else {
  const { main } = await import('./cli/main.ts');
  const code = await main(argv);
  process.exit(code);
}
