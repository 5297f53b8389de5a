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


/** A task file for watch tests: `a` reads src/a.txt; a background sleep tags its processes. */
export const WATCH_TASK_FILE = (marker: string, version: string) => `import { proc } from 'parproc';
console.error('definitions ${version}');
proc('a', { inputs: ['src/a.txt'] }, async (ctx) => {
  const t = (await Bun.file('src/a.txt').text()).trim();
  console.log('a sees ' + t + ' (${version})');
  return t;
});
proc('sleeper', async (ctx) => { void ctx.$\`sleep ${marker}\`.catch(() => {}); await Bun.sleep(10); });
proc('default', { deps: ['a', 'sleeper'] }, (ctx) => { console.log('definitions ${version}'); return ctx.results.a; });
`;

/** A user's strict tsconfig for a task file (with Bun's types from the project's @types/bun). */
export const STRICT_TSCONFIG = JSON.stringify({
  compilerOptions: {
    target: 'ESNext', module: 'ESNext', moduleResolution: 'bundler', strict: true, noUncheckedIndexedAccess: true,
    exactOptionalPropertyTypes: true, noImplicitReturns: true, noUnusedLocals: true, noUnusedParameters: true,
    noEmit: true, skipLibCheck: false, types: ['bun'],
  },
  include: ['*.ts'],
});

/** A typed task file, and one with a type error the declarations must catch. */
export const TYPED_TASK_FILE = `import { proc, proto, output } from 'parproc';
proto('build::[env]', { argChoices: { env: ['dev', 'prod'] }, outputs: [output('dist/[env].js')] }, async (ctx, { env }) => {
  await ctx.$\`echo \${env}\`;
  return \`dist/\${env}\`;
});
proc('test', { deps: ['build::*'] }, (ctx) => Object.keys(ctx.results).length);
// argTypes narrow the args: n and of are numbers here (arithmetic on strings would not check).
proto('shard::[n]::[of]', { argTypes: { n: 'integer', of: 'integer' } }, (_ctx, { n, of }) => n / of);
`;
/** A module with a type error the declarations must catch (checked beside the good one). */
export const BADLY_TYPED_TASK_FILE = `import { proc } from 'parproc';\nproc('x', { timeout: true }, () => 1);\n`;
