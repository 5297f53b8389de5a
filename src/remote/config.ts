/**
 * Where the remote cache's settings come from: the `remoteCache` option (the CLI's flags fill
 * it), then parproc's environment variables, then the ones turbo users already have
 * (`TURBO_API`, `TURBO_TOKEN`, `TURBO_TEAM`, `TURBO_REMOTE_CACHE_SIGNATURE_KEY`).
 */
import type { RemoteCacheOption } from '../options.ts';
import type { RemoteConfig } from './client.ts';

export const DEFAULT_TIMEOUT_S = 30;
/** An artifact is packed and unpacked in memory: a bound on what one may hold (and be downloaded). */
export const DEFAULT_MAX_ARTIFACT_BYTES = 1024 ** 3;

type Env = Record<string, string | undefined>;

function first(...xs: (string | undefined)[]): string | undefined {
  for (const x of xs) if (x !== undefined && x !== '') return x;
  return undefined;
}

const truthy = (x: string | undefined): boolean | undefined => (x === undefined || x === '' ? undefined : !/^(0|false|no|off)$/i.test(x));

/** The URL the environment points at, if any (`PARPROC_REMOTE_CACHE_URL`, then `TURBO_API`). */
export function envRemoteUrl(env: Env = process.env): string | undefined {
  return first(env.PARPROC_REMOTE_CACHE_URL, env.TURBO_API);
}

/** The settings for a `remoteCache` option, completed from the environment; `null` when off. */
export function remoteConfig(option: RemoteCacheOption | null, env: Env = process.env): RemoteConfig | null {
  if (option === null) return null;
  return {
    url: option.url,
    token: first(option.token, env.PARPROC_REMOTE_CACHE_TOKEN, env.TURBO_TOKEN) ?? null,
    team: first(option.team, env.PARPROC_REMOTE_CACHE_TEAM, env.TURBO_TEAM) ?? null,
    readOnly: option.readOnly ?? truthy(first(env.PARPROC_REMOTE_CACHE_READ_ONLY)) ?? false,
    signatureKey: first(option.signatureKey, env.PARPROC_REMOTE_CACHE_SIGNATURE_KEY, env.TURBO_REMOTE_CACHE_SIGNATURE_KEY) ?? null,
    timeoutMs: (option.timeout ?? DEFAULT_TIMEOUT_S) * 1000,
    maxArtifactBytes: option.maxArtifactBytes ?? DEFAULT_MAX_ARTIFACT_BYTES,
  };
}
