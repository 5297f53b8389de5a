/**
 * The manager's remote cache for its current `remoteCache` option, made again when the option
 * changes. The remote-cache code (HTTP, tar, compression) is loaded only when a cache is set.
 */
import type { RemoteCacheOption } from '../options.ts';
import type { RemoteCache, RemoteHost } from './remote-cache.ts';

export class RemoteCacheHolder {
  #option: RemoteCacheOption | null = null;
  #cache: RemoteCache | null = null;
  #host: RemoteHost;

  constructor(host: RemoteHost) {
    this.#host = host;
  }

  get(option: RemoteCacheOption | null): RemoteCache | null {
    if (option !== this.#option) {
      this.#option = option;
      this.#cache = null;
      if (option !== null) {
        const { remoteConfig } = require('./config.ts') as typeof import('./config.ts');
        const { RemoteCache } = require('./remote-cache.ts') as typeof import('./remote-cache.ts');
        const config = remoteConfig(option);
        if (config !== null) this.#cache = new RemoteCache(config, this.#host);
      }
    }
    return this.#cache;
  }

  /** The current cache, if any, without looking at options. */
  get current(): RemoteCache | null {
    return this.#cache;
  }
}
