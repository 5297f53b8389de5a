/**
 * The Turborepo Remote Cache HTTP API (`/v8/artifacts/:hash`), as served by Vercel and by
 * `turborepo-remote-cache`: GET (404 is a miss), PUT, bearer token, team as `teamId` (ids that
 * start with `team_`) or `slug`, and turbo's artifact signatures (HMAC-SHA256 of hash, team and
 * body, base64, in `x-artifact-tag`). Every request has a timeout. Errors come back as
 * `RemoteFault`s whose messages never contain the token.
 */

import { formatBytes } from '../util/format-bytes.ts';
import { ArtifactError } from './artifact.ts';

export interface RemoteConfig {
  url: string;
  token: string | null;
  team: string | null;
  readOnly: boolean;
  signatureKey: string | null;
  /** Per-request timeout, ms. */
  timeoutMs: number;
  /** The largest artifact packed or downloaded (it is held in memory). */
  maxArtifactBytes: number;
}

/** A problem with the server or the connection (the run goes on without the remote). */
export class RemoteFault extends Error {
  /** `true` when retrying later is pointless (refused connection, bad token, timeouts). */
  constructor(
    message: string,
    readonly fatal: boolean,
  ) {
    super(message);
  }
}

/** The URL without user info, for messages. */
export function displayUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString().replace(/\/$/, '');
  } catch {
    return '(invalid URL)';
  }
}

function tag(config: RemoteConfig, hash: string, body: Uint8Array): string {
  const h = new Bun.CryptoHasher('sha256', config.signatureKey as string);
  h.update(hash);
  h.update(config.team ?? '');
  h.update(body);
  return h.digest('base64');
}

/** Constant-time comparison of two tags (padding ignored). */
function sameTag(a: string, b: string): boolean {
  const x = a.replace(/=+$/, '');
  const y = b.replace(/=+$/, '');
  if (x.length !== y.length) return false;
  let d = 0;
  for (let i = 0; i < x.length; i++) d |= x.charCodeAt(i) ^ y.charCodeAt(i);
  return d === 0;
}

export class RemoteClient {
  readonly config: RemoteConfig;
  #base: string;

  constructor(config: RemoteConfig) {
    this.config = config;
    this.#base = config.url.replace(/\/+$/, '');
  }

  #url(hash: string): string {
    const team = this.config.team;
    const q = team === null ? '' : `?${team.startsWith('team_') ? 'teamId' : 'slug'}=${encodeURIComponent(team)}`;
    return `${this.#base}/v8/artifacts/${hash}${q}`;
  }

  #headers(extra: Record<string, string> = {}): Record<string, string> {
    const h: Record<string, string> = { ...extra };
    if (this.config.token !== null) h.Authorization = `Bearer ${this.config.token}`;
    return h;
  }

  async #request(method: string, hash: string, init: { body?: Uint8Array; headers?: Record<string, string> }): Promise<Response> {
    const where = displayUrl(this.config.url);
    try {
      return await fetch(this.#url(hash), {
        method,
        headers: this.#headers(init.headers),
        body: init.body,
        signal: AbortSignal.timeout(this.config.timeoutMs),
        redirect: 'follow',
      });
    } catch (err) {
      const e = err as Error & { code?: string };
      if (e.name === 'TimeoutError') throw new RemoteFault(`${where} did not answer within ${this.config.timeoutMs / 1000}s`, true);
      throw new RemoteFault(`${where} is unreachable (${e.code ?? e.message})`, true);
    }
  }

  #status(res: Response, what: string): RemoteFault {
    const where = displayUrl(this.config.url);
    if (res.status === 401 || res.status === 403) return new RemoteFault(`${where} refused the ${what} (HTTP ${res.status}: check the token and team)`, true);
    // Too large for this server (turborepo-remote-cache's BODY_LIMIT): only this artifact is lost.
    if (res.status === 413) return new RemoteFault(`${where} refused an artifact as too large (HTTP 413)`, false);
    return new RemoteFault(`${where} answered HTTP ${res.status} to ${what === 'upload' ? 'an' : 'a'} ${what}`, res.status < 500);
  }

  /**
   * The artifact for `hash`, or `null` when the server does not have it. Throws `RemoteFault`
   * (server or connection) or `Error` with `signature` in its message (verification failed).
   */
  async get(hash: string): Promise<Uint8Array | null> {
    const res = await this.#request('GET', hash, {});
    if (res.status === 404) {
      await res.body?.cancel();
      return null;
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw this.#status(res, 'download');
    }
    let body: Uint8Array;
    try {
      body = await boundedBytes(res, this.config.maxArtifactBytes);
    } catch (err) {
      if (err instanceof ArtifactError) throw err;
      const e = err as Error;
      if (e.name === 'TimeoutError') throw new RemoteFault(`${displayUrl(this.config.url)} did not finish a download within ${this.config.timeoutMs / 1000}s`, true);
      throw new RemoteFault(`a download from ${displayUrl(this.config.url)} broke off (${e.message})`, false);
    }
    const length = Number(res.headers.get('content-length') ?? NaN);
    if (Number.isFinite(length) && length !== body.length) {
      throw new RemoteFault(`a download from ${displayUrl(this.config.url)} was truncated (${body.length} of ${length} bytes)`, false);
    }
    if (this.config.signatureKey !== null) {
      const got = res.headers.get('x-artifact-tag');
      if (got === null) throw new SignatureMismatch('it is not signed (no x-artifact-tag)');
      if (!sameTag(got, tag(this.config, hash, body))) throw new SignatureMismatch('its signature (x-artifact-tag) does not match');
    }
    return body;
  }

  /** Uploads an artifact; throws `RemoteFault`. */
  async put(hash: string, body: Uint8Array, durationMs: number): Promise<void> {
    const headers: Record<string, string> = {
      'Content-Type': 'application/octet-stream',
      'x-artifact-duration': String(Math.max(0, Math.round(durationMs))),
      'x-artifact-client-ci': process.env.CI ? 'true' : 'false',
    };
    if (this.config.signatureKey !== null) headers['x-artifact-tag'] = tag(this.config, hash, body);
    const res = await this.#request('PUT', hash, { body, headers });
    await res.body?.cancel();
    if (!res.ok) throw this.#status(res, 'upload');
  }
}

/** An artifact whose signature is missing or wrong: it is ignored and the proc runs. */
export class SignatureMismatch extends Error {}

/** The body of `res`, read a chunk at a time and given up (an `ArtifactError`: the proc runs) past `max` bytes. */
async function boundedBytes(res: Response, max: number): Promise<Uint8Array> {
  const tooLarge = (n: number) => new ArtifactError(`it is ${formatBytes(n)}${n > max ? '' : ' or more'}, over the ${formatBytes(max)} an artifact may hold (maxArtifactBytes)`);
  const length = Number(res.headers.get('content-length') ?? NaN);
  if (Number.isFinite(length) && length > max) {
    await res.body?.cancel();
    throw tooLarge(length);
  }
  if (res.body === null) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of res.body) {
    total += chunk.length;
    if (total > max) {
      await res.body.cancel().catch(() => undefined);
      throw tooLarge(total);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, total);
}
