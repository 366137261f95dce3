import type { KeyRecord, Store } from "../../store/index.js";

/**
 * All keys, in memory, indexed by keyed hash: authentication never waits on storage. The cache
 * reloads when the store's key version moves (the admin API or the CLI changed a key), checked on
 * a timer off the request path, so a revocation from the CLI takes effect within `pollMs`.
 */
export class KeyCache {
  private byHash = new Map<string, KeyRecord>();
  private version = -1;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: Store,
    private readonly onError: (error: unknown) => void = () => {},
  ) {}

  async start(pollMs = 1000): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => {
      this.refresh().catch(this.onError);
    }, pollMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Reloads when the store changed; `force` after this process changed a key itself. */
  async refresh(force = false): Promise<void> {
    const version = await this.store.keysVersion();
    if (!force && version === this.version) return;
    const keys = await this.store.listKeys();
    this.byHash = new Map(keys.map((k) => [k.hash, k]));
    this.version = version;
  }

  lookup(hash: string): KeyRecord | undefined {
    return this.byHash.get(hash);
  }
}
