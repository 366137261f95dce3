import { createHash } from "node:crypto";
import { Redis } from "ioredis";
import type { MemoryStore } from "./memory-store.js";
import { ACQUIRE, RENEW, SETTLE } from "./redis-scripts.js";
import type { Rule } from "./rules.js";
import { Admission, type LimitStore } from "./store.js";
import { windowEnd, windowId } from "./windows.js";

export interface RedisStoreOptions {
  url: string;
  /** Prepended to every key, so environments (and test runs) sharing one Redis stay apart. */
  keyPrefix: string;
  /** A check slower than this counts as Redis being unavailable. */
  timeoutMs: number;
  /** Concurrency slots are leases of this length, renewed while the request runs. */
  leaseMs: number;
  /** When Redis cannot answer: `memory` uses this process's store; `deny` refuses. */
  onError: "memory" | "deny";
  fallback: MemoryStore;
  /** Reports failures (the limits room has no logger of its own). */
  report(error: unknown, what: string): void;
  /** How long start-up waits for the first connection before going on with the fallback. */
  connectWaitMs?: number;
}

/** Thrown by `acquire` when Redis cannot answer and `onError` is `deny`. */
export class LimitStoreUnavailableError extends Error {
  constructor(cause: unknown) {
    super("the limits store (Redis) is unavailable", { cause });
    this.name = "LimitStoreUnavailableError";
  }
}

interface Script {
  text: string;
  sha: string;
}

function script(text: string): Script {
  return { text, sha: createHash("sha1").update(text).digest("hex") };
}

const SCRIPTS = { acquire: script(ACQUIRE), settle: script(SETTLE), renew: script(RENEW) };

/**
 * Limits shared by every replica through one Redis. A check is one round trip: one EVALSHA of a
 * script loaded once per connection (SCRIPT LOAD on every connect, so a restarted Redis gets it
 * back). Every key has a TTL, so idle subjects cost nothing; concurrency slots are per-request
 * entries in a sorted set, scored by lease expiry and renewed while the request runs, so the slots
 * of a replica that crashed free themselves within one lease.
 */
export class RedisStore implements LimitStore {
  readonly kind = "redis" as const;
  private readonly inflight = new Set<Admission>();
  private readonly renewTimer: NodeJS.Timeout;
  private lastReport = 0;

  private constructor(
    private readonly client: Redis,
    private readonly options: RedisStoreOptions,
  ) {
    this.renewTimer = setInterval(() => this.renew(), Math.max(250, Math.floor(options.leaseMs / 3)));
    this.renewTimer.unref();
  }

  static async open(options: RedisStoreOptions): Promise<RedisStore> {
    const client = new Redis(options.url, {
      // Fail fast instead of queueing while disconnected: the fallback answers meanwhile.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: options.timeoutMs,
      connectTimeout: Math.max(1000, options.timeoutMs * 4),
      retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
      lazyConnect: true,
    });
    const store = new RedisStore(client, options);
    client.on("ready", () => {
      store.loadScripts().catch((error: unknown) => store.fail(error, "loading the limit scripts"));
    });
    client.on("error", (error: unknown) => store.fail(error, "connection"));
    const wait = options.connectWaitMs ?? 2000;
    try {
      await Promise.race([
        client.connect().then(() => store.loadScripts()),
        new Promise((_, reject) =>
          setTimeout(() => reject(new Error(`no connection within ${wait} ms`)), wait).unref(),
        ),
      ]);
    } catch (error) {
      // Not fatal: ioredis keeps reconnecting, and until then checks go to `onError`.
      store.fail(error, "connecting at start-up");
    }
    return store;
  }

  get ready(): boolean {
    return this.client.status === "ready";
  }

  private async loadScripts(): Promise<void> {
    for (const s of Object.values(SCRIPTS)) await this.client.script("LOAD", s.text);
  }

  /** One line per second at most: a Redis outage must not flood the log. */
  private fail(error: unknown, what: string): void {
    const now = Date.now();
    if (now - this.lastReport < 1000) return;
    this.lastReport = now;
    this.options.report(error, what);
  }

  private async evalsha(s: Script, keys: string[], args: (string | number)[]): Promise<unknown> {
    try {
      return await this.client.evalsha(s.sha, keys.length, ...keys, ...args);
    } catch (error) {
      // Redis restarted (or SCRIPT FLUSH) since the scripts were loaded: load and retry once.
      if (error instanceof Error && error.message.startsWith("NOSCRIPT")) {
        await this.client.script("LOAD", s.text);
        return this.client.evalsha(s.sha, keys.length, ...keys, ...args);
      }
      throw error;
    }
  }

  private key(rule: Rule, at: number): string {
    const base = this.options.keyPrefix + rule.key;
    return rule.kind === "window" ? `${base}:${windowId(rule.period, at)}` : base;
  }

  async acquire(rules: readonly Rule[], tokens: number, requestId: string): Promise<Admission> {
    const at = Date.now();
    if (!this.ready) return this.unavailable(rules, tokens, requestId, new Error("not connected"));
    const keys: string[] = [];
    const args: (string | number)[] = [requestId, rules.length];
    for (const rule of rules) {
      keys.push(this.key(rule, at));
      if (rule.kind === "rate") {
        args.push("r", rule.interval * 1000, rule.limit, rule.unit === "tokens" ? tokens : 1);
      } else if (rule.kind === "window") {
        args.push("w", rule.limit, windowEnd(rule.period, at), tokens);
      } else {
        args.push("c", rule.limit, this.options.leaseMs, 1);
      }
    }
    let reply: number[];
    try {
      reply = (await this.evalsha(SCRIPTS.acquire, keys, args)) as number[];
    } catch (error) {
      return this.unavailable(rules, tokens, requestId, error);
    }
    const admission = new Admission(rules, requestId, at, tokens);
    admission.allowed = reply[0] === 1;
    if (!admission.allowed) {
      admission.refusedBy = rules[reply[1]! - 1];
      admission.retryAfterMs = reply[2] === -1 ? Infinity : reply[2]!;
    }
    for (let i = 0; i < rules.length; i++) admission.note(rules[i]!, reply[3 + 2 * i]!, reply[4 + 2 * i]!);
    if (admission.allowed && rules.some((r) => r.kind === "concurrency")) this.inflight.add(admission);
    return admission;
  }

  private unavailable(rules: readonly Rule[], tokens: number, requestId: string, error: unknown): Admission {
    this.fail(error, "checking limits");
    if (this.options.onError === "deny") throw new LimitStoreUnavailableError(error);
    const admission = this.options.fallback.acquire(rules, tokens, requestId);
    admission.viaFallback = true;
    return admission;
  }

  async settle(admission: Admission, tokens: number): Promise<void> {
    this.inflight.delete(admission);
    if (admission.viaFallback) return this.options.fallback.settle(admission, tokens);
    const delta = tokens - admission.tokens;
    const keys: string[] = [];
    const args: (string | number)[] = [admission.requestId, delta, 0];
    for (const rule of admission.rules) {
      if (rule.kind === "concurrency") {
        keys.push(this.key(rule, admission.at));
        args.push("c", 0);
      } else if (delta !== 0 && rule.unit === "tokens") {
        keys.push(this.key(rule, admission.at));
        args.push(
          rule.kind === "rate" ? "r" : "w",
          rule.kind === "rate" ? rule.interval * 1000 : windowEnd(rule.period, admission.at),
        );
      }
    }
    if (keys.length === 0) return;
    args[2] = keys.length;
    try {
      await this.evalsha(SCRIPTS.settle, keys, args);
    } catch (error) {
      // The concurrency lease expires by itself; a lost refund errs on the caller's side.
      this.fail(error, "settling a request");
    }
  }

  private renew(): void {
    if (this.inflight.size === 0 || !this.ready) return;
    const keys: string[] = [];
    const args: (string | number)[] = [this.options.leaseMs];
    for (const admission of this.inflight) {
      if (admission.viaFallback) continue;
      for (const rule of admission.rules) {
        if (rule.kind !== "concurrency") continue;
        keys.push(this.key(rule, admission.at));
        args.push(admission.requestId);
      }
    }
    if (keys.length === 0) return;
    this.evalsha(SCRIPTS.renew, keys, args).catch((error: unknown) => this.fail(error, "renewing leases"));
  }

  async close(): Promise<void> {
    clearInterval(this.renewTimer);
    // QUIT lets settles already sent complete; when not connected there is nothing to wait for.
    await this.client.quit().catch(() => this.client.disconnect());
  }
}
