/**
 * The run command's remote-cache flags over the task file's `remoteCache` option and the
 * environment: flags win, then the option, then `PARPROC_REMOTE_CACHE_URL` / `TURBO_API` (token,
 * team and signature key come from the environment in `remote/config.ts`).
 */
import type { ArgsDef } from 'citty';
import type { OptionsInput, RemoteCacheOption } from '../options.ts';
import { envRemoteUrl } from '../remote/config.ts';
import { CliError } from './errors.ts';

export const REMOTE_ARGS = {
  'remote-cache': {
    type: 'string',
    description: 'share results through a Turborepo Remote Cache API server (default: $PARPROC_REMOTE_CACHE_URL, else $TURBO_API); --no-remote-cache: off',
    valueHint: 'url',
  },
  'remote-team': { type: 'string', description: 'the remote cache team (default: $PARPROC_REMOTE_CACHE_TEAM, else $TURBO_TEAM)', valueHint: 'team' },
  'remote-read-only': { type: 'boolean', description: 'restore from the remote cache, never upload' },
  explain: { type: 'boolean', description: "with -n: each proc's cache key and why it differs from the last run's" },
} satisfies ArgsDef;

/** The `remoteCache` option to set, or `undefined` to leave the task file's as it is. */
export function remoteCacheFlags(
  current: RemoteCacheOption | null,
  args: { 'remote-cache'?: string | boolean; 'remote-team'?: string; 'remote-read-only'?: boolean },
  rawArgs: readonly string[],
  env: Record<string, string | undefined> = process.env,
): OptionsInput['remoteCache'] | undefined {
  if (rawArgs.includes('--no-remote-cache')) return null;
  const flagUrl = typeof args['remote-cache'] === 'string' ? args['remote-cache'] : undefined;
  const fromEnv = envRemoteUrl(env);
  const url = flagUrl ?? current?.url ?? fromEnv;
  if (url === undefined) return undefined;
  if (!/^https?:\/\/\S+$/.test(url)) {
    // Named by where it came from (the option itself is checked by setOptions).
    const source = flagUrl !== undefined ? '--remote-cache' : current?.url !== undefined ? 'remoteCache.url' : env.PARPROC_REMOTE_CACHE_URL ? 'PARPROC_REMOTE_CACHE_URL' : 'TURBO_API';
    throw new CliError(`${source}: expected an http:// or https:// URL, got "${url}"`);
  }
  const out: NonNullable<OptionsInput['remoteCache']> = { ...current, url };
  if (args['remote-team'] !== undefined) out.team = args['remote-team'];
  if (args['remote-read-only'] !== undefined) out.readOnly = args['remote-read-only'];
  return out;
}
