/** Task files shared by e2e tests of `bun src/cli.ts` and of the compiled binary. */

/** Procs in a worker, a child process and a command; `a` has an input for the task DB. */
export const MODES_TASK_FILE = `import { proc } from 'parproc';
import { isMainThread } from 'node:worker_threads';
const where = () => ({ pid: process.pid, main: isMainThread });
proc('a', { inputs: ['in.txt'] }, () => { console.log('printed by a'); return where(); });
proc('b', { deps: ['a'] }, (ctx) => { process.stdout.write('written by b\\n'); return { ...where(), a: ctx.results.a }; });
proc('in-process', { mode: 'process' }, () => { console.log('exec=' + process.execPath); return where(); });
proc('cmd', ['sh', '-c', 'echo command output']);
`;

