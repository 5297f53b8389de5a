/**
 * The shared remote cache (issue 15) against a real `turborepo-remote-cache` server: two
 * checkouts in different directories share one cache through the real CLI.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { CliRig, parseNdjson, type ExecResult } from '../helpers/cli-rig.ts';
import { startCacheServer, type CacheServer } from '../helpers/cache-server.ts';
import { ARTIFACT_FORMAT } from '../../src/remote/artifact.ts';
import { writeTar, type TarEntry } from '../../src/remote/tar.ts';

setDefaultTimeout(60_000);

const TASKS = `
import { proc } from 'parproc';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
const mark = (n: string) => { mkdirSync('ran', { recursive: true }); appendFileSync('ran/' + n, 'x'); };
proc('g1', { inputs: ['src/a.txt'], outputs: ['out/a.bin'] }, () => {
  mark('g1');
  mkdirSync('out', { recursive: true });
  const b = Buffer.alloc(70000);
  for (let i = 0; i < b.length; i++) b[i] = (i * 7) % 256;
  writeFileSync('out/a.bin', b);
  console.log('g1 wrote a.bin');
  return { size: b.length };
});
proc('g2', { inputs: ['src/b.txt'], outputs: ['out/tool.sh', 'out/dir/'] },
  "mkdir -p out/dir/sub ran && printf '#!/bin/sh\\\\necho hi\\\\n' > out/tool.sh && chmod 755 out/tool.sh && cat src/b.txt > out/dir/sub/n.txt && ln -sf sub/n.txt out/dir/link && echo x >> ran/g2 && echo g2 done");
proc('pack', { deps: ['g1', 'g2'], outputs: ['dist/pack.txt'] }, (ctx) => {
  mark('pack');
  mkdirSync('dist', { recursive: true });
  writeFileSync('dist/pack.txt', 'size ' + ctx.results.g1.size);
  return 'packed ' + ctx.results.g1.size;
});
proc('default', { deps: ['pack'] }, (ctx) => { mark('default'); return ctx.results.pack + '!'; });
`;

const TEAM_ENV = (server: CacheServer, team: string, extra: Record<string, string> = {}) => ({
  TURBO_API: server.url,
  TURBO_TOKEN: server.token,
  TURBO_TEAM: team,
  ...extra,
});

async function checkout(): Promise<CliRig> {
  const rig = await CliRig.create();
  rig.write({ 'parproc.ts': TASKS, 'src/a.txt': 'alpha', 'src/b.txt': 'beta' });
  return rig;
}

/** Every file, dir and symlink under `dirs` of `root`: content (base64), mode, link target. */
function snapshot(root: string, dirs: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (abs: string): void => {
    const st = lstatSync(abs);
    const rel = relative(root, abs);
    if (st.isSymbolicLink()) out[rel] = `link:${readlinkSync(abs)}`;
    else if (st.isDirectory()) for (const n of readdirSync(abs)) walk(join(abs, n));
    else out[rel] = `${(st.mode & 0o777).toString(8)}:${readFileSync(abs).toString('base64')}`;
  };
  for (const d of dirs) if (existsSync(join(root, d))) walk(join(root, d));
  return out;
}

const summary = (r: ExecResult) => Object.fromEntries(parseNdjson(r.stdout).summary.procs.map((p) => [p.name, p as typeof p & { cache?: string; output: unknown }]));
const ran = (rig: CliRig): string[] => (existsSync(join(rig.dir, 'ran')) ? readdirSync(join(rig.dir, 'ran')).sort() : []);
const warnings = (r: ExecResult): string[] => r.stderr.split('\n').filter((l) => l.includes('remote cache:'));

describe('remote cache: two checkouts share one turborepo-remote-cache server', () => {
  let server: CacheServer;
  beforeAll(async () => {
    server = await startCacheServer({ token: 'sekrit-token-4711' });
  });
  afterAll(async () => {
    await server?.[Symbol.asyncDispose]();
  });

  test('the second checkout restores everything byte for byte without running anything; the token is never shown', async () => {
    await using a = await checkout();
    await using b = await checkout();
    const env = TEAM_ENV(server, 'share');
    const first = await a.exec(['--json', '--trace', 'trace.json'], { env });
    expect(first.code).toBe(0);
    expect(ran(a)).toEqual(['default', 'g1', 'g2', 'pack']);
    expect(server.artifacts('share')).toHaveLength(4);

    const second = await b.exec(['--json', '--trace', 'trace.json'], { env });
    expect(second.code).toBe(0);
    expect(warnings(second)).toEqual([]);
    expect(ran(b)).toEqual([]); // nothing ran in the second checkout
    const s = summary(second);
    for (const name of ['g1', 'g2', 'pack', 'default']) {
      expect(s[name]?.state).toBe('up-to-date');
      expect(s[name]?.cache).toBe('remote');
    }
    expect(s.default?.output).toBe('packed 70000!'); // results reach dependents
    expect(snapshot(b.dir, ['out', 'dist'])).toEqual(snapshot(a.dir, ['out', 'dist']));
    expect(Object.keys(snapshot(b.dir, ['out', 'dist'])).sort()).toEqual(['dist/pack.txt', 'out/a.bin', 'out/dir/link', 'out/dir/sub/n.txt', 'out/tool.sh']);
    // Logs are replayed into the display (events) and the log file.
    const { events } = parseNdjson(second.stdout);
    expect(events.some((e) => e.type === 'proc-output' && e.name === 'g1' && e.text.includes('g1 wrote a.bin'))).toBe(true);
    const g1End = events.find((e) => e.type === 'proc-state' && e.name === 'g1' && e.state === 'up-to-date');
    expect(g1End && 'cache' in g1End ? g1End.cache : null).toBe('remote');
    expect(g1End && 'logFile' in g1End && g1End.logFile ? readFileSync(g1End.logFile, 'utf8') : '').toContain('g1 wrote a.bin');
    // The human display says so too, and the history tells restores apart.
    const human = await b.exec(['history'], { env });
    expect(human.stdout).toContain('restored (remote cache)');
    const hist = JSON.parse((await b.exec(['history', 'g1', '--json'], { env })).stdout);
    expect(hist[0].cache).toBe('remote');

    // A third run of the second checkout is a local up-to-date: no network needed.
    const third = await b.exec(['--json'], { env: { ...env, TURBO_API: 'http://127.0.0.1:9' } });
    expect(Object.values(summary(third)).map((p) => [p.state, p.cache ?? 'local'])).toEqual(Array(4).fill(['up-to-date', 'local']));

    // The token appears nowhere: output, traces, logs, the task DB.
    for (const r of [first, second, third, human]) expect(r.stdout + r.stderr).not.toContain(server.token);
    for (const rig of [a, b]) {
      expect(readFileSync(join(rig.dir, 'trace.json'), 'utf8')).not.toContain(server.token);
      expect(readFileSync(join(rig.dir, '.parproc', 'parproc.db')).includes(Buffer.from(server.token))).toBe(false);
    }
  });

  test('a changed input re-runs only its proc and its dependents; the rest is restored', async () => {
    await using a = await checkout();
    await using b = await checkout();
    const env = TEAM_ENV(server, 'change');
    expect((await a.exec(['--json'], { env })).code).toBe(0);
    b.write({ 'src/b.txt': 'beta, edited' });
    const r = await b.exec(['--json'], { env });
    expect(r.code).toBe(0);
    expect(ran(b)).toEqual(['default', 'g2', 'pack']);
    const s = summary(r);
    expect([s.g1?.state, s.g1?.cache]).toEqual(['up-to-date', 'remote']);
    expect(s.g2?.state).toBe('succeeded');
    expect(readFileSync(join(b.dir, 'out/dir/sub/n.txt'), 'utf8')).toBe('beta, edited');
    // -n --explain shows the keys and why one differs from the last run's.
    b.write({ 'src/b.txt': 'beta, edited again' });
    const explain = await b.exec(['-n', '--explain'], { env });
    expect(explain.stdout).toMatch(/run {9}g2 .*\n {14}key [0-9a-f]{16} {2}\(input changed: src\/b\.txt\)/);
    expect(explain.stdout).toMatch(/up-to-date {2}g1\n {14}key [0-9a-f]{16} {2}\(same key as the last run\)/);
    // Without a remote cache, runs keep no keys: it says so, not "no key recorded yet" forever.
    await using c = await checkout();
    await c.exec(['--json']);
    expect((await c.exec(['-n', '--explain'])).stdout).toMatch(/up-to-date {2}g1\n {14}key [0-9a-f]{16} {2}\(no key recorded: runs keep keys only with a remote cache\)/);
  });

  test('read-only (flag or environment): restores, never uploads', async () => {
    await using a = await checkout();
    await using b = await checkout();
    const env = TEAM_ENV(server, 'readonly');
    await a.exec(['--json', '--remote-read-only'], { env });
    expect(server.artifacts('readonly')).toEqual([]);
    await a.exec(['--json', '--full'], { env });
    expect(server.artifacts('readonly')).toHaveLength(4);
    b.write({ 'src/a.txt': 'alpha, edited' });
    const r = await b.exec(['--json'], { env: { ...env, PARPROC_REMOTE_CACHE_READ_ONLY: '1' } });
    expect(summary(r).g2?.cache).toBe('remote');
    expect(ran(b)).toEqual(['default', 'g1', 'pack']);
    expect(server.artifacts('readonly')).toHaveLength(4);
  });

  test('a wrong token, a server that is down, --no-remote-cache: one warning at most, the run goes on locally', async () => {
    await using a = await checkout();
    const wrong = await a.exec(['--json'], { env: TEAM_ENV(server, 'wrong', { TURBO_TOKEN: 'not-the-token' }) });
    expect(wrong.code).toBe(0);
    expect(warnings(wrong)).toHaveLength(1);
    expect(warnings(wrong)[0]).toContain('refused');
    expect(wrong.stderr).not.toContain('not-the-token');
    expect(ran(a)).toEqual(['default', 'g1', 'g2', 'pack']);
    const down = await a.exec(['--json', '--full', '--remote-cache', 'http://127.0.0.1:9'], { env: TEAM_ENV(server, 'down') });
    expect(down.code).toBe(0);
    expect(warnings(down)).toHaveLength(1);
    expect(warnings(down)[0]).toContain('unreachable');
    const off = await a.exec(['--json', '--full', '--no-remote-cache'], { env: TEAM_ENV(server, 'off') });
    expect(warnings(off)).toEqual([]);
    expect(server.artifacts('off')).toEqual([]);
  });

  test('a bad URL is one line naming where it came from (flag or environment), exit 2', async () => {
    await using a = await checkout();
    const flag = await a.exec(['--remote-cache', 'ftp://x']);
    expect([flag.code, flag.stderr.trim()]).toEqual([2, 'parproc: --remote-cache: expected an http:// or https:// URL, got "ftp://x"']);
    const env = await a.exec([], { env: { TURBO_API: 'not-a-url' } });
    expect([env.code, env.stderr.trim()]).toEqual([2, 'parproc: TURBO_API: expected an http:// or https:// URL, got "not-a-url"']);
    expect(ran(a)).toEqual([]);
  });

  test('a malicious artifact (../ paths, a symlink out of the project) is ignored with a warning, nothing is written, the proc runs', async () => {
    await using a = await checkout();
    await using b = await checkout();
    const env = TEAM_ENV(server, 'evil');
    await a.exec(['--json', 'g1'], { env });
    const [key] = server.artifacts('evil');
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    const meta = (name: string) => new TextEncoder().encode(JSON.stringify({ format: ARTIFACT_FORMAT, name, key, output: null }));
    const evil = (entries: TarEntry[]) => Bun.zstdCompressSync(writeTar([{ type: 'file', path: 'meta.json', mode: 0o644, data: meta('g1') }, ...entries]));
    const escape = join(b.dir, '..', `escaped-${Date.now()}.txt`);
    for (const [entries, why] of [
      [[{ type: 'file', path: 'out/a.bin', mode: 0o644, data: new Uint8Array([1]) }, { type: 'file', path: `out/../../${escape.split('/').pop()}`, mode: 0o644, data: new Uint8Array([1]) }], '".."'],
      [[{ type: 'symlink', path: 'out/a.bin', target: '../../../../etc/passwd' }], 'points outside the project'],
      [[{ type: 'file', path: 'out//etc/x', mode: 0o644, data: new Uint8Array([1]) }], 'absolute path'],
    ] as [TarEntry[], string][]) {
      writeFileSync(join(server.storage, 'evil', key as string), evil(entries));
      // Without a task DB, g1 is stale every time: it is looked up on the remote each run.
      const looked = await b.exec(['--json', '--no-db', 'g1'], { env: { ...env, PARPROC_REMOTE_CACHE_READ_ONLY: '1' } });
      expect(warnings(looked)).toHaveLength(1);
      expect(warnings(looked)[0]).toContain(why);
      expect(looked.code).toBe(0);
      expect(summary(looked).g1?.state).toBe('succeeded');
      expect(existsSync(escape)).toBe(false);
      expect(lstatSync(join(b.dir, 'out/a.bin')).isSymbolicLink()).toBe(false);
      expect(readdirSync(join(b.dir, '.parproc')).filter((n) => n.startsWith('restore-'))).toEqual([]);
    }
  });
});

describe('remote cache: signatures, a truncated download, a server killed mid-run, a hung server', () => {
  test('signed artifacts restore with the same key; a mismatched key is ignored with a warning', async () => {
    await using server = await startCacheServer({ signatures: true });
    await using a = await checkout();
    const env = TEAM_ENV(server, 'signed', { PARPROC_REMOTE_CACHE_SIGNATURE_KEY: 'k1' });
    expect((await a.exec(['--json'], { env })).code).toBe(0);
    expect(server.artifacts('signed').filter((n) => n.endsWith('.tag'))).toHaveLength(4);

    await using same = await checkout();
    const ok = await same.exec(['--json'], { env });
    expect(warnings(ok)).toEqual([]);
    expect(ran(same)).toEqual([]);

    await using other = await checkout();
    const bad = await other.exec(['--json'], { env: { ...env, PARPROC_REMOTE_CACHE_SIGNATURE_KEY: 'k2' } });
    expect(bad.code).toBe(0);
    expect(warnings(bad)).toHaveLength(1);
    expect(warnings(bad)[0]).toContain('signature');
    expect(ran(other)).toEqual(['default', 'g1', 'g2', 'pack']);

    // Signing off on the reader: artifacts are taken as they are (no verification asked for).
    await using off = await checkout();
    const plain = await off.exec(['--json', '--remote-read-only'], { env: TEAM_ENV(server, 'signed') });
    expect(warnings(plain)).toEqual([]);
    expect(ran(off)).toEqual([]);
  });

  test('a truncated download is ignored with one warning; nothing half-restored stays on disk', async () => {
    // A real HTTP server that promises 1000 bytes, sends 10 and hangs up.
    const listener = Bun.listen({
      hostname: '127.0.0.1',
      port: 0,
      socket: {
        data(socket) {
          socket.write('HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: 1000\r\n\r\n0123456789');
          socket.end();
        },
      },
    });
    try {
      await using a = await checkout();
      const r = await a.exec(['--json', '--remote-read-only', '--remote-cache', `http://127.0.0.1:${listener.port}`], { env: { TURBO_TEAM: 't' } });
      expect(r.code).toBe(0);
      expect(warnings(r)).toHaveLength(1);
      expect(warnings(r)[0]).toMatch(/truncated|broke off/);
      expect(ran(a)).toEqual(['default', 'g1', 'g2', 'pack']);
      expect(readdirSync(join(a.dir, '.parproc')).filter((n) => n.startsWith('restore-'))).toEqual([]);
    } finally {
      listener.stop(true);
    }
  });

  test('the server killed mid-run: one warning, the run finishes locally', async () => {
    const server = await startCacheServer();
    try {
      await using a = await checkout();
      // g1 waits for a file the test writes once the server is dead.
      a.write({
        'parproc.ts': TASKS.replace("() => {\n  mark('g1');", "async () => {\n  while (!require('node:fs').existsSync('go')) await Bun.sleep(20);\n  mark('g1');"),
      });
      const child = a.spawn(['--json', '--no-dynamic', '-j', '1', 'g2', 'default'], { env: TEAM_ENV(server, 'killed') });
      // Wait for g2 to have run (its upload has gone or is under way), then kill the server.
      const reader = child.stdout.getReader();
      let out = '';
      while (!/"name":"g1","state":"running"/.test(out)) {
        const { value, done } = await reader.read();
        if (done) break;
        out += new TextDecoder().decode(value);
      }
      await server.kill();
      writeFileSync(join(a.dir, 'go'), '');
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        out += new TextDecoder().decode(value);
      }
      const stderr = await new Response(child.stderr).text();
      expect(await child.exited).toBe(0);
      const said = stderr.split('\n').filter((l) => l.includes('remote cache:'));
      expect(said).toHaveLength(1);
      expect(said[0]).toMatch(/unreachable|broke off/);
      expect(ran(a)).toEqual(['default', 'g1', 'g2', 'pack']);
      expect(parseNdjson(out).summary.ok).toBe(true);
    } finally {
      await server[Symbol.asyncDispose]();
    }
  });

  test('an artifact too large for the server is refused alone (HTTP 413): one warning, the others are uploaded', async () => {
    await using server = await startCacheServer({ bodyLimit: 20_000 });
    await using a = await CliRig.create();
    a.write({
      'parproc.ts': `import { proc } from 'parproc';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
proc('big', { inputs: ['in.txt'], outputs: ['big.bin'] }, () => writeFileSync('big.bin', randomBytes(100_000)));
for (const n of ['s1', 's2', 's3']) proc(n, { inputs: ['in.txt'], outputs: [n + '.txt'] }, () => writeFileSync(n + '.txt', n));
proc('default', { deps: ['big', 's1', 's2', 's3'] }, () => 1);
`,
      'in.txt': 'x',
    });
    const r = await a.exec(['--json', '-j', '1'], { env: TEAM_ENV(server, 'limit') });
    expect(r.code).toBe(0);
    expect(warnings(r)).toHaveLength(1);
    expect(warnings(r)[0]).toContain('too large (HTTP 413)');
    // 100 KB of random bytes do not compress under the limit; the small ones are all uploaded.
    expect(server.artifacts('limit')).toHaveLength(4);
  });

  test('the connection dropped mid-upload: one warning, the run ends ok', async () => {
    // A real HTTP server: lookups are misses (404); an upload's connection is cut as it arrives.
    let puts = 0;
    const dropper = Bun.listen({
      hostname: '127.0.0.1',
      port: 0,
      socket: {
        data(socket, data) {
          const text = new TextDecoder().decode(data);
          if (text.startsWith('PUT')) {
            puts++;
            socket.terminate();
          } else if (text.startsWith('GET')) socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
        },
      },
    });
    try {
      await using a = await checkout();
      const r = await a.exec(['--json', '--remote-cache', `http://127.0.0.1:${dropper.port}`], { env: { TURBO_TEAM: 't' } });
      expect(r.code).toBe(0);
      expect(puts).toBeGreaterThan(0);
      expect(warnings(r)).toHaveLength(1);
      expect(warnings(r)[0]).toContain('going on without it');
      expect(ran(a)).toEqual(['default', 'g1', 'g2', 'pack']);
    } finally {
      dropper.stop(true);
    }
  });

  test('a server answering 5xx, and uploads that never finish: one warning each time, the run ends on time', async () => {
    let uploadsHung = 0;
    const server = Bun.serve({
      hostname: '127.0.0.1',
      port: 0,
      async fetch(req) {
        const url = new URL(req.url);
        if (url.searchParams.get('slug') === 'broken') return new Response('oops', { status: 503 });
        if (req.method === 'GET') return new Response('', { status: 404 });
        uploadsHung++;
        return new Promise<Response>(() => {}); // an upload is never answered
      },
    });
    try {
      await using a = await checkout();
      const url = `http://127.0.0.1:${server.port}`;
      const broken = await a.exec(['--json', '--remote-cache', url, '--remote-team', 'broken']);
      expect(broken.code).toBe(0);
      expect(warnings(broken)).toHaveLength(1);
      expect(warnings(broken)[0]).toContain('HTTP 503');
      expect(ran(a)).toEqual(['default', 'g1', 'g2', 'pack']);
      // Uploads hang: each is given up after the timeout (300 ms), and the process still exits.
      a.write({ 'parproc.ts': `import { setOptions } from 'parproc';\nsetOptions({ remoteCache: { url: '${url}', team: 'hang', timeout: '300ms' } });\n${TASKS}` });
      const hang = await a.exec(['--json', '--full']);
      expect(hang.code).toBe(0);
      expect(uploadsHung).toBeGreaterThan(0);
      expect(warnings(hang), hang.stderr).toHaveLength(1);
      expect(warnings(hang)[0]).toMatch(/did not answer within 0\.3s|given up/);
    } finally {
      server.stop(true);
    }
  });

  test('a server that never answers is given up after the per-request timeout', async () => {
    const hung = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data() {} } });
    try {
      await using a = await checkout();
      a.write({ 'parproc.ts': `import { setOptions } from 'parproc';\nsetOptions({ remoteCache: { url: 'http://127.0.0.1:${hung.port}', team: 't', timeout: '300ms' } });\n${TASKS}` });
      const r = await a.exec(['--json']);
      expect(r.code).toBe(0);
      expect(warnings(r)).toHaveLength(1);
      expect(warnings(r)[0]).toContain('did not answer within 0.3s');
      expect(ran(a)).toEqual(['default', 'g1', 'g2', 'pack']);
    } finally {
      hung.stop(true);
    }
  });
});
