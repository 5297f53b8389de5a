/**
 * A real `turborepo-remote-cache` server (the devDependency), started as a user deploys it: under
 * `bun`, on 127.0.0.1 with a free port (PORT=0; the port is read from its "listening" log line),
 * local storage in a temp dir, static token auth.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './cli-rig.ts';

export interface CacheServer extends AsyncDisposable {
  url: string;
  storage: string;
  token: string;
  /** Files stored for `team`. */
  artifacts(team: string): string[];
  /** Kills the server (SIGKILL) and waits for it to be gone. */
  kill(): Promise<void>;
}

export async function startCacheServer(opts: { token?: string; signatures?: boolean; storage?: string; bodyLimit?: number } = {}): Promise<CacheServer> {
  const storage = opts.storage ?? mkdtempSync(join(tmpdir(), 'parproc-cache-store-'));
  const token = opts.token ?? 'test-token';
  const child = Bun.spawn([process.execPath, join(ROOT, 'node_modules', 'turborepo-remote-cache', 'dist', 'cli.js')], {
    env: {
      ...process.env,
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: '0',
      STORAGE_PROVIDER: 'local',
      STORAGE_PATH: storage,
      STORAGE_PATH_USE_TMP_FOLDER: 'false',
      TURBO_TOKEN: token,
      LOG_LEVEL: 'info',
      ...(opts.signatures ? { TURBO_REMOTE_CACHE_SIGNATURE_KEY: 'server-stores-tags' } : {}),
      ...(opts.bodyLimit ? { BODY_LIMIT: String(opts.bodyLimit) } : {}),
    },
    stdout: 'pipe',
    stderr: 'inherit',
  });
  // Wait for the "listening" line (an event, not a sleep); give up if the server exits first.
  const reader = child.stdout.getReader();
  let text = '';
  let url: string | null = null;
  while (url === null) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`turborepo-remote-cache exited before listening:\n${text}`);
    text += new TextDecoder().decode(value);
    url = /listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(text)?.[1] ?? null;
  }
  // Keep draining its log so it never blocks on a full pipe.
  void (async () => {
    for (;;) if ((await reader.read()).done) break;
  })().catch(() => {});
  const kill = async (): Promise<void> => {
    child.kill('SIGKILL');
    await child.exited;
  };
  return {
    url,
    storage,
    token,
    artifacts: (team) => {
      try {
        return require('node:fs').readdirSync(join(storage, team)) as string[];
      } catch {
        return [];
      }
    },
    kill,
    [Symbol.asyncDispose]: async () => {
      await kill();
      require('node:fs').rmSync(storage, { recursive: true, force: true });
    },
  };
}
