/**
 * The remote cache of one manager: bounded parallel downloads that restore an artifact into the
 * project, background uploads after success, and faults that never fail a run — each kind of
 * problem is one warning; a server that cannot be reached (or refuses the token) is not asked
 * again by this process, and the run goes on locally.
 */
import { ArtifactError, ARTIFACT_FORMAT, packArtifact, restoreArtifact, type ArtifactMeta } from './artifact.ts';
import { RemoteClient, RemoteFault, SignatureMismatch, displayUrl, type RemoteConfig } from './client.ts';
import { fs } from '../util/fs.ts';
import { after, type Timer } from '../util/timer.ts';

/** Concurrent downloads and uploads. */
const DOWNLOADS = 8;
const UPLOADS = 4;

class Limit {
  #free: number;
  #queue: (() => void)[] = [];
  constructor(n: number) {
    this.#free = n;
  }
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#free > 0) this.#free--;
    else await new Promise<void>((r) => this.#queue.push(r));
    try {
      return await fn();
    } finally {
      const next = this.#queue.shift();
      if (next) next();
      else this.#free++;
    }
  }
}

export interface RemoteHost {
  warn(message: string): void;
}

export interface Upload {
  name: string;
  key: string;
  /** The project root (artifact paths are relative to it). */
  root: string;
  /** Declared outputs, absolute. */
  outputs: string[];
  output: unknown;
  /** The proc's log file, or `null` when it wrote none. */
  logFile: string | null;
  durationMs: number;
}

export class RemoteCache {
  readonly client: RemoteClient;
  #host: RemoteHost;
  /** Why this process stopped asking the server, or `null`. */
  #off: string | null = null;
  #warned = new Set<string>();
  #downloads = new Limit(DOWNLOADS);
  #uploads = new Limit(UPLOADS);
  #pending = new Set<Promise<void>>();
  /** Counts for the summary line and tests. */
  readonly stats = { restored: 0, missed: 0, uploaded: 0, ignored: 0 };

  constructor(config: RemoteConfig, host: RemoteHost) {
    this.client = new RemoteClient(config);
    this.#host = host;
  }

  get readable(): boolean {
    return this.#off === null;
  }

  get writable(): boolean {
    return this.#off === null && !this.client.config.readOnly;
  }

  #warnOnce(kind: string, message: string): void {
    if (this.#warned.has(kind)) return;
    this.#warned.add(kind);
    this.#host.warn(message);
  }

  #fault(err: unknown, name: string): void {
    if (err instanceof RemoteFault) {
      if (err.fatal) this.#off = err.message;
      this.#warnOnce('fault', `remote cache: ${err.message}; ${err.fatal ? 'going on without it' : 'the run goes on'}`);
    } else if (err instanceof SignatureMismatch || err instanceof ArtifactError) {
      this.stats.ignored++;
      this.#warnOnce('artifact', `remote cache: the artifact of "${name}" was ignored: ${err.message}; the proc runs`);
    } else {
      this.#warnOnce('fault', `remote cache: ${(err as Error).message}; the run goes on`);
    }
  }

  /**
   * Restores the artifact of `name` under `key` into `root`: its meta (with the proc's return
   * value) and log, or `null` (not there, or not usable: one warning says why). Never throws.
   */
  async restore(name: string, key: string, root: string): Promise<{ meta: ArtifactMeta; log: Uint8Array | null } | null> {
    if (this.#off !== null) return null;
    return this.#downloads.run(async () => {
      if (this.#off !== null) return null;
      try {
        const bytes = await this.client.get(key);
        if (bytes === null) {
          this.stats.missed++;
          return null;
        }
        const got = await restoreArtifact(bytes, root, { name, key }, this.client.config.maxArtifactBytes);
        this.stats.restored++;
        return got;
      } catch (err) {
        this.#fault(err, name);
        return null;
      }
    });
  }

  /** Packs and uploads in the background (`drain` waits for it); never throws. */
  upload(u: Upload): void {
    if (!this.writable) return;
    const done = this.#uploads
      .run(async () => {
        if (!this.writable) return;
        let body: Uint8Array;
        try {
          const log = u.logFile === null ? null : new Uint8Array(fs().readFileSync(u.logFile));
          const meta: ArtifactMeta = { format: ARTIFACT_FORMAT, name: u.name, key: u.key, output: u.output };
          body = await packArtifact(u.root, u.outputs, meta, log, this.client.config.maxArtifactBytes);
        } catch (err) {
          this.#warnOnce('pack', `remote cache: "${u.name}" was not uploaded: ${(err as Error).message}`);
          return;
        }
        await this.client.put(u.key, body, u.durationMs);
        this.stats.uploaded++;
      })
      .catch((err: unknown) => this.#fault(err, u.name))
      .finally(() => this.#pending.delete(done));
    this.#pending.add(done);
  }

  /** Uploads still under way. */
  get pending(): number {
    return this.#pending.size;
  }

  /** Waits for uploads under way, at most `boundMs`; what is left then is given up, with a warning. */
  async drain(boundMs = this.client.config.timeoutMs): Promise<void> {
    if (this.#pending.size === 0) return;
    let timer: Timer | undefined;
    const late = new Promise<'late'>((r) => {
      timer = after(boundMs, () => r('late'));
    });
    const how = await Promise.race([Promise.all([...this.#pending]).then(() => 'done' as const), late]);
    timer?.clear();
    if (how === 'late') {
      const n = this.#pending.size;
      this.#off ??= 'uploads given up';
      const when = boundMs === 0 ? 'the run was interrupted' : `waited ${boundMs / 1000}s`;
      this.#warnOnce('fault', `remote cache: ${n} upload${n === 1 ? '' : 's'} to ${displayUrl(this.client.config.url)} given up (${when})`);
    }
  }
}
