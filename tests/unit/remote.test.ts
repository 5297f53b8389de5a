/**
 * Remote-cache parts on real files and a real server: the tar format (read back by node-tar),
 * unsafe artifacts, keys that agree across checkouts, where settings come from, and the library
 * path (`remoteCache` option, `getProcs().cache`).
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ARTIFACT_FORMAT, ArtifactError, packArtifact, restoreArtifact } from '../../src/remote/artifact.ts';
import { remoteConfig } from '../../src/remote/config.ts';
import { readTar, writeTar } from '../../src/remote/tar.ts';
import { inputHash } from '../../src/remote/keys.ts';
import * as nodeTar from 'tar';
import { startCacheServer, type CacheServer } from '../helpers/cache-server.ts';
import { projectPerTest } from '../helpers/project.ts';
import { ProcManager, type RunEvent } from '../../src/index.ts';

setDefaultTimeout(30_000);

const tmp = (): string => mkdtempSync(join(tmpdir(), 'parproc-remote-'));

/** Runs `fn` in a second checkout: a fresh directory holding `files`, made the working directory, removed after. */
async function inSecondCheckout(files: Record<string, string>, fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = tmp();
  const cwd = process.cwd();
  try {
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    process.chdir(dir);
    await fn(dir);
  } finally {
    process.chdir(cwd);
    rmSync(dir, { recursive: true, force: true });
  }
}
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('tar', () => {
  test('long paths (PAX), files, dirs and symlinks round-trip, and node-tar reads the archive', () => {
    const long = `${'deep/'.repeat(30)}file-é.txt`;
    const tar = writeTar([
      { type: 'dir', path: 'd/', mode: 0o755 },
      { type: 'file', path: 'd/x.txt', mode: 0o644, data: bytes('hello') },
      { type: 'file', path: long, mode: 0o755, data: new Uint8Array(1000).fill(7) },
      { type: 'symlink', path: 'd/l', target: 'x.txt' },
    ]);
    const back = readTar(tar);
    expect(back.map((e) => [e.type, e.path])).toEqual([['dir', 'd/'], ['file', 'd/x.txt'], ['file', long], ['symlink', 'd/l']]);
    expect(back[2]?.type === 'file' && back[2].data.length).toBe(1000);
    const dir = tmp();
    try {
      writeFileSync(join(dir, 'a.tar'), tar);
      // Read back by node-tar (a registry package), as another tool would read it.
      const listed: string[] = [];
      nodeTar.list({ file: join(dir, 'a.tar'), sync: true, onReadEntry: (e) => void listed.push(`${e.type}:${e.path}${e.type === 'SymbolicLink' ? `->${e.linkpath}` : ''}`) });
      expect(listed).toEqual(['Directory:d/', 'File:d/x.txt', `File:${long}`, 'SymbolicLink:d/l->x.txt']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a bad checksum, a truncated archive and unsupported entry types throw', () => {
    const tar = writeTar([{ type: 'file', path: 'a', mode: 0o644, data: new Uint8Array(600) }]);
    const bad = tar.slice();
    bad[0] = 0x62;
    expect(() => readTar(bad)).toThrow('checksum');
    expect(() => readTar(tar.subarray(0, 700))).toThrow('truncated');
    const hard = writeTar([{ type: 'file', path: 'h', mode: 0o644, data: new Uint8Array(0) }]);
    hard[156] = '1'.charCodeAt(0);
    let sum = 0;
    hard.fill(0x20, 148, 156);
    for (let i = 0; i < 512; i++) sum += hard[i] as number;
    hard.set(bytes(`${sum.toString(8).padStart(6, '0')}\0 `), 148);
    expect(() => readTar(hard)).toThrow('unsupported');
  });
});

describe('artifacts', () => {
  test('restoring refuses a path through an existing symlink that leaves the project, and writes nothing', async () => {
    const root = tmp();
    const outside = tmp();
    try {
      mkdirSync(join(root, 'out'));
      writeFileSync(join(root, 'out', 'ok.txt'), 'ok');
      const art = await packArtifact(root, [join(root, 'out')], { format: ARTIFACT_FORMAT, name: 'p', key: 'k', output: 1 }, bytes('log'));
      const other = tmp();
      try {
        symlinkSync(outside, join(other, 'out'));
        const err = await restoreArtifact(art, other, { name: 'p', key: 'k' }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(ArtifactError);
        expect(String((err as Error).message)).toContain('leads outside the project');
        expect(existsSync(join(outside, 'ok.txt'))).toBe(false);
        // The same artifact for another proc or key is refused before anything is written.
        rmSync(join(other, 'out'));
        await expect(restoreArtifact(art, other, { name: 'q', key: 'k' })).rejects.toThrow('another proc or key');
        expect(existsSync(join(other, 'out'))).toBe(false);
        const ok = await restoreArtifact(art, other, { name: 'p', key: 'k' });
        expect(ok.meta.output).toBe(1);
        expect(new TextDecoder().decode(ok.log ?? new Uint8Array())).toBe('log');
        expect(readFileSync(join(other, 'out', 'ok.txt'), 'utf8')).toBe('ok');
      } finally {
        rmSync(other, { recursive: true, force: true });
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
      rmSync(outside, { recursive: true, force: true });
    }
  });

  test('outputs outside the project are not packed', async () => {
    const root = tmp();
    try {
      await expect(packArtifact(join(root, 'sub'), [join(root, 'x')], { format: ARTIFACT_FORMAT, name: 'p', key: 'k', output: null }, null)).rejects.toThrow('outside the project');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('settings', () => {
  test("an input's hash in keys is its SHA-256, read a chunk at a time past 16 MB", () => {
    const dir = mkdtempSync(join(tmpdir(), 'parproc-keyhash-'));
    try {
      const big = join(dir, 'big.bin');
      const data = new Uint8Array(20 * 1024 * 1024 + 7).map((_, i) => (i * 31) & 0xff);
      writeFileSync(big, data);
      const whole = new Bun.CryptoHasher('sha256').update(data).digest('hex').slice(0, 32);
      expect(inputHash(big)).toBe(whole);
      expect(inputHash(join(dir, 'nope'))).toBe('missing');
      expect(inputHash(dir)).toBe('dir');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("the option first, then parproc's variables, then turbo's; off without a URL", () => {
    const env = { TURBO_TOKEN: 'tt', TURBO_TEAM: 'turbo-team', PARPROC_REMOTE_CACHE_TEAM: 'pp-team', TURBO_REMOTE_CACHE_SIGNATURE_KEY: 'sk' };
    expect(remoteConfig(null, env)).toBeNull();
    expect(remoteConfig({ url: 'http://h' }, env)).toEqual({ url: 'http://h', token: 'tt', team: 'pp-team', readOnly: false, signatureKey: 'sk', timeoutMs: 30_000, maxArtifactBytes: 1024 ** 3 });
    expect(remoteConfig({ url: 'http://h', team: 'mine', readOnly: true, timeout: 2 }, { ...env, PARPROC_REMOTE_CACHE_TOKEN: 'pt' })).toMatchObject({ token: 'pt', team: 'mine', readOnly: true, timeoutMs: 2000 });
    expect(remoteConfig({ url: 'http://h' }, { PARPROC_REMOTE_CACHE_READ_ONLY: 'true' })?.readOnly).toBe(true);
  });

  test('a bad remoteCache option is one UserError naming it, never echoing a secret', () => {
    const pm = new ProcManager({ display: false });
    expect(() => pm.setOptions({ remoteCache: { url: 'ftp://x' } })).toThrow('option "remoteCache.url"');
    let message = '';
    try {
      pm.setOptions({ remoteCache: { url: 'http://x', token: 12345 as unknown as string } });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain('remoteCache.token');
    expect(message).not.toContain('12345');
  });
});

describe('the library with a remote cache', () => {
  let server: CacheServer;
  beforeAll(async () => {
    server = await startCacheServer();
  });
  afterAll(async () => {
    await server?.[Symbol.asyncDispose]();
  });
  const project = projectPerTest();

  test('a second project dir restores outputs and results; getProcs and events say "remote"; keys agree', async () => {
    const define = (pm: ProcManager, runs: string[]) => {
      pm.proc('gen', { inputs: ['in.txt'], outputs: ['out/gen.txt'] }, () => {
        runs.push('gen');
        mkdirSync('out', { recursive: true });
        writeFileSync('out/gen.txt', readFileSync('in.txt', 'utf8').toUpperCase());
        return 'generated';
      });
      pm.proc('use', { deps: ['gen'] }, (ctx) => `${ctx.results.gen as string} and used`);
      pm.proc('report', { deps: ['gen'], inputs: ['r.txt'] }, (ctx) => {
        runs.push('report');
        return ctx.changedDeps;
      });
    };
    const remoteCache = { url: server.url, token: server.token, team: 'lib' };
    project.write('in.txt', 'content');
    project.write('r.txt', 'first');
    const first = project.manager({ remoteCache });
    const ran1: string[] = [];
    define(first.pm, ran1);
    first.pm.start('use', 'report');
    await first.pm.waitForAll();
    const key1 = first.pm.getProcs().get('gen')?.cacheKey;
    expect(key1).toMatch(/^[0-9a-f]{64}$/);
    first.pm.close();
    expect(server.artifacts('lib')).toHaveLength(3);

    // A second checkout: another directory with the same files (report's own input differs: it runs).
    await inSecondCheckout({ 'in.txt': 'content', 'r.txt': 'second' }, async (second) => {
      const pm = new ProcManager({ display: false, taskDbPath: join(second, '.parproc', 'db'), remoteCache });
      const events: string[] = [];
      pm.onEvent((e) => {
        if (e.type === 'proc-state' && e.state === 'up-to-date') events.push(`${e.name}:${e.cache}`);
      });
      const ran2: string[] = [];
      define(pm, ran2);
      pm.start('use', 'report');
      await pm.waitForAll();
      expect(ran2).toEqual(['report']);
      // A dep restored from the remote cache counts as changed, like one that ran.
      expect(pm.results().report).toEqual(['gen']);
      expect(events.sort()).toEqual(['gen:remote', 'use:remote']);
      expect(pm.getProcs().get('gen')?.cache).toBe('remote');
      expect(pm.getProcs().get('gen')?.cacheKey).toBe(key1 as string);
      expect(pm.results()).toMatchObject({ gen: 'generated', use: 'generated and used' });
      expect(readFileSync(join(second, 'out', 'gen.txt'), 'utf8')).toBe('CONTENT');
      pm.close();
    });
  });

  test("params are part of a function proc's key: a checkout with other params runs it, one with the same restores it", async () => {
    const remoteCache = { url: server.url, token: server.token, team: 'params' };
    const once = async (dir: string, params: Record<string, unknown>) => {
      const pm = new ProcManager({ display: false, taskDbPath: join(dir, '.parproc', 'db'), remoteCache });
      pm.setParams(params);
      pm.proc('gen', { inputs: ['in.txt'] }, (ctx) => `for ${String(ctx.params.env)}`);
      pm.start('gen');
      await pm.waitForAll();
      const info = pm.getProcs().get('gen');
      pm.close();
      return [pm.results().gen, info?.cache ?? null];
    };
    project.write('in.txt', 'content');
    expect(await once(project.dir, { env: 'dev' })).toEqual(['for dev', null]);
    await inSecondCheckout({ 'in.txt': 'content' }, async (dir) => {
      expect(await once(dir, { env: 'prod' })).toEqual(['for prod', null]);
    });
    await inSecondCheckout({ 'in.txt': 'content' }, async (dir) => {
      expect(await once(dir, { env: 'dev' })).toEqual(['for dev', 'remote']);
    });
  });

  test('glob outputs: the files they match are shared, and restored elsewhere', async () => {
    const define = (pm: ProcManager, runs: string[]) =>
      pm.proc('many', { inputs: ['in.txt'], outputs: ['out/**/*.txt'] }, () => {
        runs.push('many');
        mkdirSync('out/sub', { recursive: true });
        writeFileSync('out/a.txt', 'a');
        writeFileSync('out/sub/b.txt', 'b');
        return 2;
      });
    const remoteCache = { url: server.url, token: server.token, team: 'globs' };
    project.write('in.txt', 'content');
    const first = project.manager({ remoteCache });
    const ran1: string[] = [];
    define(first.pm, ran1);
    first.pm.start('many');
    await first.pm.waitForAll();
    first.pm.close();
    expect(ran1).toEqual(['many']);
    await inSecondCheckout({ 'in.txt': 'content' }, async (second) => {
      const pm = new ProcManager({ display: false, taskDbPath: join(second, '.parproc', 'db'), remoteCache });
      const ran2: string[] = [];
      define(pm, ran2);
      pm.start('many');
      await pm.waitForAll();
      pm.close();
      expect(ran2).toEqual([]);
      expect(pm.getProcs().get('many')).toMatchObject({ state: 'up-to-date', cache: 'remote', output: 2 });
      expect([readFileSync(join(second, 'out', 'a.txt'), 'utf8'), readFileSync(join(second, 'out', 'sub', 'b.txt'), 'utf8')]).toEqual(['a', 'b']);
    });
  });

  test('an artifact over maxArtifactBytes is neither uploaded nor downloaded: one warning, and the proc runs', async () => {
    const define = (pm: ProcManager, runs: string[]) =>
      pm.proc('big', { inputs: ['in.txt'], outputs: ['out/big.bin'] }, () => {
        runs.push('big');
        mkdirSync('out', { recursive: true });
        writeFileSync('out/big.bin', crypto.getRandomValues(new Uint8Array(50_000))); // does not compress
        return 'made';
      });
    const warningsOf = (events: RunEvent[]) => events.flatMap((e) => (e.type === 'warning' ? [e.message] : []));
    project.write('in.txt', 'content');
    // Too large to pack: nothing goes to the server.
    const small = project.manager({ remoteCache: { url: server.url, token: server.token, team: 'cap', maxArtifactBytes: 10_000 } });
    define(small.pm, []);
    small.pm.start('big');
    await small.pm.waitForAll();
    small.pm.close();
    expect(server.artifacts('cap')).toHaveLength(0);
    expect(warningsOf(small.events)).toEqual(['remote cache: "big" was not uploaded: its outputs are over the 9.8 KB an artifact may hold (maxArtifactBytes)']);
    // Uploaded under a larger bound; a checkout with a small one does not download it and runs the proc.
    rmSync(join(project.dir, '.parproc'), { recursive: true, force: true });
    const large = project.manager({ remoteCache: { url: server.url, token: server.token, team: 'cap' } });
    define(large.pm, []);
    large.pm.start('big');
    await large.pm.waitForAll();
    large.pm.close();
    expect(server.artifacts('cap')).toHaveLength(1);
    rmSync(join(project.dir, '.parproc'), { recursive: true, force: true });
    const ran: string[] = [];
    const again = project.manager({ remoteCache: { url: server.url, token: server.token, team: 'cap', maxArtifactBytes: 1_000 } });
    define(again.pm, ran);
    again.pm.start('big');
    await again.pm.waitForAll();
    again.pm.close();
    expect(ran).toEqual(['big']);
    // Once it ran, its own artifact is too large to upload as well.
    const [ignored, notUploaded, ...more] = warningsOf(again.events);
    expect(more).toEqual([]);
    expect(ignored).toMatch(/^remote cache: the artifact of "big" was ignored: it is \d+\.\d KB, over the 1000 bytes an artifact may hold \(maxArtifactBytes\); the proc runs$/);
    expect(notUploaded).toBe('remote cache: "big" was not uploaded: its outputs are over the 1000 bytes an artifact may hold (maxArtifactBytes)');
  });

  test('a lookup holds no slot and blocks nothing: with parallel 1, another proc runs while it waits', async () => {
    // A real HTTP server whose answer to the lookup waits until the test lets it go.
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    let asked = 0;
    const slow = Bun.serve({
      hostname: '127.0.0.1',
      port: 0,
      async fetch(req) {
        if (req.method === 'GET') {
          asked++;
          await gate;
          return new Response('not here', { status: 404 });
        }
        return Response.json({ urls: [] });
      },
    });
    try {
      project.write('a.txt', 'a');
      const { pm, events } = project.manager({ parallel: 1, remoteCache: { url: `http://127.0.0.1:${slow.port}`, team: 't' } });
      const trail: string[] = [];
      pm.proc('looked-up', { inputs: ['a.txt'] }, () => void trail.push('looked-up'));
      // Runs only once the server has the other proc's lookup (which it holds): with parallel 1,
      // a lookup that took the slot, or blocked the scheduler, would never let this start.
      pm.proc('plain', async () => {
        while (asked === 0) await Bun.sleep(5);
        trail.push(`plain (lookups asked: ${asked})`);
      });
      pm.onEvent((e) => {
        if (e.type === 'proc-state' && e.name === 'plain' && e.state === 'succeeded') release();
      });
      pm.start('looked-up', 'plain');
      await pm.waitForAll();
      pm.close();
      expect(trail).toEqual(['plain (lookups asked: 1)', 'looked-up']);
      expect(events.filter((e) => e.type === 'warning')).toEqual([]);
    } finally {
      slow.stop(true);
    }
  });
});
