import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";

/**
 * Analytics state shared by several gateway replicas through Redis. Each replica owns its partial
 * state of an identity (the requests it served) and writes it under its own key, so replicas never
 * overwrite each other and no lock or script is needed; a replica judging an identity reads the
 * other replicas' partials and merges them (decayed counters add, sketches take the union — see
 * `IdentityState.merge`). Detections are claimed with `SET NX PX`, so one replica publishes each.
 *
 * Keys (prefix `pcx:an:` by default), all with a TTL so a dead replica's partials expire:
 *   <prefix>k:<key>:<replica>   a key's partial state (binary)
 *   <prefix>k:<key>             set of replicas holding a partial of that key
 *   <prefix>t:<team>:<replica>  and <prefix>t:<team>: the same for teams
 *   <prefix>f:<key>:<category>  the claim of a published detection (cooldown)
 */
export interface SharedState {
  /** This replica's own partials, for identities it does not hold in memory (after a restart or eviction). */
  load(
    keys: string[],
    teams: string[],
  ): Promise<{ keys: Map<string, Uint8Array>; teams: Map<string, Uint8Array> }>;
  /** Writes this replica's partials and returns the other replicas' partials of the same identities. */
  sync(
    keys: (readonly [string, Uint8Array])[],
    teams: (readonly [string, Uint8Array])[],
  ): Promise<{ keys: Map<string, Uint8Array[]>; teams: Map<string, Uint8Array[]> }>;
  /** True when this replica may publish the detection (no replica did within `ttlMs`). */
  claim(key: string, category: string, ttlMs: number): Promise<boolean>;
  close(): Promise<void>;
}

export interface RedisSharedOptions {
  url: string;
  keyPrefix: string;
  /** This replica's id; a random one per process by default (a restarted replica starts a new partial). */
  replica?: string;
  /** How long an idle identity's partial state is kept. */
  ttlMs: number;
  timeoutMs: number;
  onError?(error: unknown): void;
}

export class RedisSharedState implements SharedState {
  readonly replica: string;

  private constructor(
    private readonly client: Redis,
    private readonly options: RedisSharedOptions,
  ) {
    this.replica = options.replica ?? randomUUID();
  }

  static async open(options: RedisSharedOptions): Promise<RedisSharedState> {
    const client = new Redis(options.url, {
      lazyConnect: true,
      // Analytics is off the reply path and batched: queue commands while reconnecting, but fail a
      // batch that waits too long rather than hold the subscriber forever.
      maxRetriesPerRequest: 2,
      commandTimeout: options.timeoutMs,
      connectTimeout: Math.max(1000, options.timeoutMs * 4),
      retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
    });
    client.on("error", (error: unknown) => options.onError?.(error));
    const state = new RedisSharedState(client, options);
    try {
      await client.connect();
    } catch (error) {
      // Not fatal: ioredis keeps reconnecting; meanwhile each replica judges on its own state.
      options.onError?.(error);
    }
    return state;
  }

  private k(kind: "k" | "t", id: string, replica?: string): string {
    return `${this.options.keyPrefix}${kind}:${id}${replica !== undefined ? `:${replica}` : ""}`;
  }

  async load(
    keys: string[],
    teams: string[],
  ): Promise<{ keys: Map<string, Uint8Array>; teams: Map<string, Uint8Array> }> {
    const out = { keys: new Map<string, Uint8Array>(), teams: new Map<string, Uint8Array>() };
    const wanted = [...keys.map((k) => ["k", k] as const), ...teams.map((t) => ["t", t] as const)];
    if (wanted.length === 0) return out;
    const values = await this.client.mgetBuffer(
      ...wanted.map(([kind, id]) => this.k(kind, id, this.replica)),
    );
    wanted.forEach(([kind, id], i) => {
      const value = values[i];
      if (value) (kind === "k" ? out.keys : out.teams).set(id, new Uint8Array(value));
    });
    return out;
  }

  async sync(
    keys: (readonly [string, Uint8Array])[],
    teams: (readonly [string, Uint8Array])[],
  ): Promise<{ keys: Map<string, Uint8Array[]>; teams: Map<string, Uint8Array[]> }> {
    const ttl = this.options.ttlMs;
    const items = [
      ...keys.map(([id, b]) => ["k", id, b] as const),
      ...teams.map(([id, b]) => ["t", id, b] as const),
    ];
    const write = this.client.pipeline();
    for (const [kind, id, bytes] of items) {
      write.set(
        this.k(kind, id, this.replica),
        Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
        "PX",
        ttl,
      );
      write.sadd(this.k(kind, id), this.replica);
      write.pexpire(this.k(kind, id), ttl);
      write.smembers(this.k(kind, id));
    }
    const results = (await write.exec()) ?? [];
    const fetch: { kind: "k" | "t"; id: string; replica: string }[] = [];
    items.forEach(([kind, id], i) => {
      const [error, members] = results[i * 4 + 3] ?? [];
      if (error) throw error;
      for (const replica of (members as string[]) ?? [])
        if (replica !== this.replica) fetch.push({ kind, id, replica });
    });
    const out = { keys: new Map<string, Uint8Array[]>(), teams: new Map<string, Uint8Array[]>() };
    if (fetch.length === 0) return out;
    const values = await this.client.mgetBuffer(...fetch.map((f) => this.k(f.kind, f.id, f.replica)));
    const stale = this.client.pipeline();
    let staleCount = 0;
    fetch.forEach((f, i) => {
      const value = values[i];
      if (!value) {
        // That replica's partial expired: forget it in the set too.
        stale.srem(this.k(f.kind, f.id), f.replica);
        staleCount++;
        return;
      }
      const map = f.kind === "k" ? out.keys : out.teams;
      const list = map.get(f.id) ?? [];
      list.push(new Uint8Array(value));
      map.set(f.id, list);
    });
    if (staleCount > 0) await stale.exec();
    return out;
  }

  async claim(key: string, category: string, ttlMs: number): Promise<boolean> {
    const result = await this.client.set(
      `${this.options.keyPrefix}f:${key}:${category}`,
      this.replica,
      "PX",
      ttlMs,
      "NX",
    );
    return result === "OK";
  }

  async close(): Promise<void> {
    try {
      await this.client.quit();
    } catch {
      this.client.disconnect();
    }
  }
}
