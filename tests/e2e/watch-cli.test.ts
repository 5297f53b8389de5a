/**
 * `parproc run --watch` from the CLI (issue 10): rebuilds in --json, the task file reloading when
 * edited (a syntax error is one line and watching goes on), and Ctrl+C ending it with exit 130 and
 * nothing left running.
 */
import { describe, setDefaultTimeout, test } from 'bun:test';
import { CliRig } from '../helpers/cli-rig.ts';
import { watchFlow } from '../helpers/watch-flow.ts';

setDefaultTimeout(60_000);

describe('parproc run --watch', () => {
  test('rebuilds, task-file reloads, a syntax error, Ctrl+C (bun src/cli.ts)', async () => {
    await using rig = await CliRig.create();
    await watchFlow(rig);
  });
});
