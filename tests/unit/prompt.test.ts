import { expect, test, setDefaultTimeout } from 'bun:test';
import { join } from 'node:path';

// Procs spawn real processes: generous per-test limits for a loaded 2-core machine.
setDefaultTimeout(20_000);

test('ctx.prompt reads answers from piped stdin, one question at a time; passwords are not echoed', async () => {
  const child = Bun.spawn(['bun', join(import.meta.dir, '..', 'fixtures', 'prompt-script.ts')], {
    stdin: new TextEncoder().encode('alice\nhunter2\nblue\n'),
    stdout: 'pipe',
    stderr: 'pipe',
    env: process.env,
  });
  const [out, err] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text()]);
  // With stderr beside the code, a failure says why.
  expect({ code: await child.exited, err }).toMatchObject({ code: 0 });
  // Questions are serialised: ask-a's first, then ask-b's, then ask-a's second.
  expect(JSON.parse(out)).toEqual({ 'ask-b': 'hunter2', 'ask-a': { name: 'alice', color: 'blue' } });
  expect(err).toContain('Name? alice');
  expect(err).toContain('Secret?');
  expect(err).not.toContain('hunter2');
});

test('ctx.prompt with closed stdin fails the proc instead of hanging', async () => {
  const child = Bun.spawn(['bun', join(import.meta.dir, '..', 'fixtures', 'prompt-script.ts')], {
    stdin: new TextEncoder().encode(''),
    stdout: 'pipe',
    stderr: 'pipe',
    env: process.env,
  });
  const err = await new Response(child.stderr).text();
  expect(await child.exited).not.toBe(0);
  expect(err).toContain('ProcessError');
  // The unanswered question's line is ended: what follows starts on a line of its own.
  expect(err).toStartWith('Name? \n');
});
