// The compiled single binary: built once here with build.ts, then run in temp dirs that have no
// node_modules anywhere above them.
import { beforeAll, describe, expect, test, setDefaultTimeout } from 'bun:test';
import { existsSync, mkdtempSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CliRig, parseNdjson, ROOT } from '../helpers/cli-rig.ts';
import { BADLY_TYPED_TASK_FILE, MODES_TASK_FILE, STRICT_TSCONFIG, TYPED_TASK_FILE } from '../helpers/task-files.ts';
import { watchFlow } from '../helpers/watch-flow.ts';
import { startCacheServer } from '../helpers/cache-server.ts';

setDefaultTimeout(30_000);

let bin = '';

beforeAll(() => {
  bin = join(mkdtempSync(join(tmpdir(), 'parproc-bin-')), 'parproc');
  const build = Bun.spawnSync([process.execPath, 'run', join(ROOT, 'build.ts'), '--outfile', bin], { stdout: 'pipe', stderr: 'pipe' });
  if (build.exitCode !== 0) throw new Error(`build failed: ${build.stderr.toString()}`);
}, 60_000);

describe('dist/parproc', () => {
  test('build.ts produces an executable, and passes --target through to bun build --compile', () => {
    expect(existsSync(bin)).toBe(true);
    const target = `bun-linux-${process.arch === 'arm64' ? 'arm64' : 'x64'}`;
    const other = join(mkdtempSync(join(tmpdir(), 'parproc-bin-')), 'parproc-target');
    const build = Bun.spawnSync([process.execPath, 'run', join(ROOT, 'build.ts'), '--target', target, '--outfile', other], { stdout: 'pipe', stderr: 'pipe' });
    expect(build.exitCode).toBe(0);
    expect(Bun.spawnSync([other, '--version']).stdout.toString().trim()).toMatch(/^\d+\.\d+\.\d+/);
    const bad = Bun.spawnSync([process.execPath, 'run', join(ROOT, 'build.ts'), '--target', 'bun-nonsense-os', '--outfile', `${other}-bad`], { stdout: 'pipe', stderr: 'pipe' });
    expect(bad.exitCode).not.toBe(0);
  });

  test('--version and --help', async () => {
    await using rig = await CliRig.create({ bin });
    const v = await rig.exec(['--version']);
    expect(v.code).toBe(0);
    expect(v.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    expect((await rig.exec(['--help'])).stdout).toContain('Usage: parproc');
  });

  test("runs a TypeScript task file importing 'parproc' with no node_modules anywhere", async () => {
    await using rig = await CliRig.create({ bin });
    expect(existsSync(join(rig.dir, 'node_modules'))).toBe(false);
    rig.write({
      'parproc.ts': `import { proc, proto } from 'parproc';\nimport { helperName } from './lib/helper.ts';\nproto('build::[env]', { argChoices: { env: ['dev', 'prod'] } }, (_c, { env }) => 'built ' + env);\nproc('default', { deps: ['build::*'.replace('*', 'prod'), helperName] }, (ctx) => Object.keys(ctx.results).sort().join(','));\n`,
      'lib/helper.ts': `import { proc } from 'parproc';\nexport const helperName = proc('helper', async (ctx) => (await ctx.$\`echo from-shell\`).stdout.trim());\n`,
    });
    const r = await rig.exec(['--json']);
    expect(r.code).toBe(0);
    const { summary, events } = parseNdjson(r.stdout);
    expect(summary.procs.map((p) => `${p.name}:${p.state}`).sort()).toEqual(['build::prod:succeeded', 'default:succeeded', 'helper:succeeded']);
    expect(events.some((e) => e.type === 'proc-output' && e.text === 'from-shell\n')).toBe(true);
  });

  test("a task file imports its project's packages (ESM, CommonJS, nested) and tsconfig paths, in every mode", async () => {
    // A compiled Bun resolves neither node_modules packages nor tsconfig paths at run time unless
    // built to read package.json and tsconfig.json files (build.ts): "Cannot find package" before.
    await using rig = await CliRig.create({ bin });
    rig.write({
      'package.json': '{ "name": "app", "type": "module" }',
      'tsconfig.json': '{ "compilerOptions": { "baseUrl": ".", "paths": { "@lib/*": ["lib/*"] } } }',
      'node_modules/shout/package.json': '{ "name": "shout", "type": "module", "exports": { ".": "./index.js" } }',
      'node_modules/shout/index.js': "import { bang } from 'bang';\nexport const shout = (s) => s.toUpperCase() + bang;\n",
      'node_modules/bang/package.json': '{ "name": "bang", "main": "bang.cjs" }',
      'node_modules/bang/bang.cjs': "exports.bang = '!';\n",
      'lib/helper.ts': "export const greet = (s: string) => 'hello ' + s;\n",
      'parproc.ts': `import { proc } from 'parproc';\nimport { shout } from 'shout';\nimport { greet } from '@lib/helper';\nexport const say = () => shout(greet('world'));\nfor (const mode of ['inline', 'worker', 'process'] as const) proc(mode, { mode }, say);\n`,
    });
    const r = await rig.exec(['inline', 'worker', 'process', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(parseNdjson(r.stdout).summary.procs.map((p) => [p.name, (p as { output?: unknown }).output]).sort()).toEqual([
      ['inline', 'HELLO WORLD!'],
      ['process', 'HELLO WORLD!'],
      ['worker', 'HELLO WORLD!'],
    ]);
  });

  test('list, graph, unknown targets and syntax errors behave as with bun src/cli.ts', async () => {
    await using rig = await CliRig.create({ bin });
    rig.write({ 'parproc.ts': `import { proc } from 'parproc';\nproc('build::prod', () => 1);\nproc('deploy', { deps: ['build::prod'] }, () => 2);\n` });
    expect((await rig.exec(['list'])).stdout).toContain('deploy');
    expect((await rig.exec(['graph', 'deploy', '--format', 'dot'])).stdout).toContain('"build::prod" -> "deploy";');
    const u = await rig.exec(['build::prd']);
    expect(u.code).toBe(2);
    expect(u.stderr.trim()).toBe('parproc: unknown target "build::prd" (did you mean build::prod?)');
    rig.write({ 'broken.ts': 'const = 1;\n' });
    const s = await rig.exec(['-f', 'broken.ts']);
    expect(s.code).toBe(2);
    expect(s.stderr).toMatch(/error in task file broken\.ts:1:\d+/);
  });

  test("a thrown error's log holds the user's frames, none of the binary's own, in every mode", async () => {
    await using rig = await CliRig.create({ bin });
    rig.write({ 'parproc.ts': `import { proc } from 'parproc';\nproc('boom', () => {\n  throw new Error('custom');\n});\n` });
    for (const mode of ['inline', 'worker', 'process']) {
      const r = await rig.exec(['boom', '--mode', mode]);
      expect(r.code).toBe(1);
      const log = readFileSync(join(rig.dir, '.parproc', 'logs', 'boom.log'), 'utf8');
      expect(log).toContain('Error: custom');
      expect(log).toContain(`at <anonymous> (${rig.dir}/parproc.ts:3:`);
      expect(log.split('\n').filter((l) => /^\s+at /.test(l))).toHaveLength(1);
    }
  });

  for (const mode of ['worker', 'process'] as const) {
    test(`--mode ${mode}: the binary starts its own workers and children (no bun on PATH, no node_modules)`, async () => {
      await using rig = await CliRig.create({ bin });
      rig.write({ 'parproc.ts': MODES_TASK_FILE, 'in.txt': 'x' });
      const r = await rig.exec(['a', 'b', 'in-process', 'cmd', '--mode', mode, '--json']);
      expect(r.code, r.stderr).toBe(0);
      const { summary, events } = parseNdjson(r.stdout);
      expect(summary.ok).toBe(true);
      const outputs = events.filter((e) => e.type === 'proc-output').map((e) => (e as { text: string }).text).join('');
      expect(outputs).toContain('printed by a\n');
      expect(outputs).toContain('written by b\n');
      // The child process is the binary itself.
      expect(outputs).toContain(`exec=${bin}\n`);
    });
  }

  test('--watch: rebuilds, task-file reloads and Ctrl+C work from the binary too', async () => {
    await using rig = await CliRig.create({ bin });
    await watchFlow(rig);
  });

  test('parproc types: with only the binary, a strict tsconfig type-checks a task file', async () => {
    await using rig = await CliRig.create({ bin });
    rig.write({ 'parproc.ts': TYPED_TASK_FILE, 'bad.ts': BADLY_TYPED_TASK_FILE, 'tsconfig.json': STRICT_TSCONFIG });
    const r = await rig.exec(['types']);
    expect(r.code, r.stderr).toBe(0);
    symlinkSync(join(ROOT, 'node_modules', '@types'), join(rig.dir, 'node_modules', '@types'));
    // One run: the task file checks clean, the wrong option in bad.ts is caught, nothing else.
    const t = Bun.spawnSync([process.execPath, join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', rig.dir], { cwd: rig.dir, stdout: 'pipe', stderr: 'pipe' });
    const errors = t.stdout.toString().split('\n').filter((l) => /error TS/.test(l));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^bad\.ts\(2,\d+\): error TS2322: Type 'boolean' is not assignable/);
    // Run again: it updates its own types package; a real install is never overwritten.
    expect((await rig.exec(['types'])).code).toBe(0);
    rig.write({ 'node_modules/parproc/package.json': '{ "name": "parproc" }' });
    const refused = await rig.exec(['types']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('is an installed parproc');
  });

  test('parproc init with only the binary: the starter type-checks under a strict tsconfig, and runs', async () => {
    await using rig = await CliRig.create({ bin });
    rig.write({ 'tsconfig.json': STRICT_TSCONFIG });
    const i = await rig.exec(['init']);
    expect(i.code, i.stderr).toBe(0);
    expect(i.stdout + i.stderr, JSON.stringify(i)).toContain("wrote parproc's types to");
    symlinkSync(join(ROOT, 'node_modules', '@types'), join(rig.dir, 'node_modules', '@types'));
    const t = Bun.spawnSync([process.execPath, join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', rig.dir], { cwd: rig.dir, stdout: 'pipe', stderr: 'pipe' });
    expect({ code: t.exitCode, out: t.stdout.toString() }).toEqual({ code: 0, out: '' });
    expect((await rig.exec([])).code).toBe(0);
  });

  test('the CLI items of issue 13 from the binary: flags first, --stream, --fail-fast, --snippets, commands in list', async () => {
    await using rig = await CliRig.create({ bin });
    rig.write({
      'sub/parproc.ts': `import { proc } from 'parproc';
proc('say', ['sh', '-c', 'echo said it']);
proc('bad', () => { console.log('error: broke'); throw new Error('x'); });
proc('after', { deps: ['slow'] }, () => 1);
proc('slow', async () => { await Bun.sleep(50); });
`,
    });
    const ls = await rig.exec(['-C', 'sub', 'list']);
    expect(ls.code, ls.stderr).toBe(0);
    expect(ls.stdout).toContain('say');
    expect(ls.stdout).toContain('$ sh -c');
    const stream = await rig.exec(['-C', 'sub', '-j', '1', 'run', 'say', '--stream']);
    expect(stream.stdout).toContain('say | said it');
    const ff = await rig.exec(['-C', 'sub', 'bad', 'after', '-j', '1', '--fail-fast', '--snippets', 'none', '--json']);
    expect(ff.code).toBe(1);
    expect(ff.stderr).not.toContain('error: broke');
    expect(parseNdjson(ff.stdout).summary.procs.find((p) => p.name === 'after')?.state).toBe('failed-dep');
  });

  test('the remote cache from the binary: a second checkout restores from a real turborepo-remote-cache server', async () => {
    await using server = await startCacheServer();
    const env = { TURBO_API: server.url, TURBO_TOKEN: server.token, TURBO_TEAM: 'bin' };
    const files = {
      'parproc.ts': `import { proc } from 'parproc';
import { mkdirSync, writeFileSync } from 'node:fs';
proc('gen', { inputs: ['in.txt'], outputs: ['out/gen.txt'] }, () => { mkdirSync('out', { recursive: true }); writeFileSync('out/gen.txt', 'made'); return 7; });
proc('default', { deps: ['gen'] }, (ctx) => ctx.results.gen + 1);
`,
      'in.txt': 'x',
    };
    await using a = await CliRig.create({ bin });
    a.write(files);
    expect((await a.exec(['--json'], { env })).code).toBe(0);
    await using b = await CliRig.create({ bin });
    b.write(files);
    const r = await b.exec(['--json'], { env });
    expect(r.code, r.stderr).toBe(0);
    const procs = parseNdjson(r.stdout).summary.procs as { name: string; state: string; cache?: string; output?: unknown }[];
    expect(procs.map((p) => [p.name, p.state, p.cache, p.output]).sort()).toEqual([['default', 'up-to-date', 'remote', 8], ['gen', 'up-to-date', 'remote', 7]]);
    expect(await Bun.file(join(b.dir, 'out', 'gen.txt')).text()).toBe('made');
  });
  test('the no-op seal from the binary: a repeated no-op is replayed, and a file the task file read through node:fs turns it away', async () => {
    await using rig = await CliRig.create({ bin });
    rig.write({
      'parproc.ts': `import { proc } from 'parproc';
import { readFileSync } from 'node:fs';
const names: string[] = JSON.parse(readFileSync('names.json', 'utf8'));
const all = names.map((n) => proc('make-' + n, { inputs: ['src.txt'], outputs: ['out/' + n] }, () => Bun.write('out/' + n, n)));
proc('default', { deps: all }, () => null);
`,
      'names.json': '["a"]',
      'src.txt': 'x',
    });
    const env = { PARPROC_DEBUG_SEAL: '1' };
    expect((await rig.exec([], { env })).code).toBe(0);
    expect((await rig.exec([], { env })).stderr).toContain('seal written');
    const replayed = await rig.exec([], { env });
    expect(replayed.stderr).toContain('seal replayed');
    expect(replayed.stdout).toContain('2 up to date');
    rig.write({ 'names.json': '["a", "b"]' });
    const reloaded = await rig.exec([], { env });
    expect(reloaded.stderr).not.toContain('seal replayed');
    expect(reloaded.stdout).toContain('✓ make-b');
  });
});
