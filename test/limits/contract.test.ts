import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { limitsSectionSchema, type LimitsSection } from "../../src/config/sections/limits.js";
import {
  buildPlan,
  LimitStoreUnavailableError,
  MemoryStore,
  RedisStore,
  type Admission,
  type LimitStore,
  type Rule,
} from "../../src/limits/index.js";
import { redisTarget, uniquePrefix } from "./redis-env.js";

/**
 * One contract, both stores: what the limits stage relies on. The memory store and the Redis store
 * pass the same cases or one of them is wrong. Rates are per minute or per day so that refill
 * during a test run is negligible, whatever the machine's load.
 */

const target = await redisTarget();

type Backend = {
  name: string;
  skip: string | undefined;
  open(prefix: string): Promise<LimitStore>;
};

const openRedis = (url: string, prefix: string, leaseMs = 30_000) =>
  RedisStore.open({
    url,
    keyPrefix: prefix,
    timeoutMs: 2000,
    leaseMs,
    onError: "deny",
    fallback: new MemoryStore(1000),
    report: (error, what) => {
      throw new Error(`redis store failure while ${what}: ${String(error)}`);
    },
  });

const backends: Backend[] = [
  { name: "memory", skip: undefined, open: async () => new MemoryStore(10_000) },
  { name: "redis", skip: target.skip, open: (prefix) => openRedis(target.url, prefix) },
];

function config(input: Record<string, unknown>): LimitsSection {
  return limitsSectionSchema.parse({
    key: {
      requestsPerMinute: null,
      tokensPerMinute: null,
      maxConcurrent: null,
      ...(input.key as object),
    },
    ...Object.fromEntries(Object.entries(input).filter(([k]) => k !== "key")),
  });
}

let serial = 0;
function rules(input: Record<string, unknown>, team = `team${++serial}`, keyId = `key${serial}`): Rule[] {
  return [...buildPlan(config(input), keyId, team).rules];
}

async function acquire(store: LimitStore, r: Rule[], tokens = 0): Promise<Admission> {
  return store.acquire(r, tokens, `req-${++serial}`);
}

for (const backend of backends) {
  describe.skipIf(backend.skip)(`limits store contract: ${backend.name}`, () => {
    let store: LimitStore;
    beforeAll(async () => {
      store = await backend.open(uniquePrefix());
    });
    afterAll(async () => {
      await store?.close();
    });

    it("admits a full bucket of requests, then refuses with the wait for one refill", async () => {
      const r = rules({ key: { requestsPerMinute: 5 } });
      const remaining: number[] = [];
      for (let i = 0; i < 5; i++) {
        const a = await acquire(store, r);
        expect(a.allowed).toBe(true);
        remaining.push(a.requestRemaining);
      }
      expect(remaining).toEqual([4, 3, 2, 1, 0]);
      const refused = await acquire(store, r);
      expect(refused.allowed).toBe(false);
      expect(refused.refusedBy?.key).toMatch(/:rpm$/);
      // One request refills every 12 s; a little has passed since the first.
      expect(refused.retryAfterMs).toBeGreaterThan(9_000);
      expect(refused.retryAfterMs).toBeLessThanOrEqual(12_000);
      expect(refused.requestLimit).toBe(5);
      expect(refused.requestRemaining).toBe(0);
      expect(refused.requestResetMs).toBeGreaterThan(50_000);
    });

    it("is atomic: a refusal by one limit charges none of the others", async () => {
      const r = rules({ key: { requestsPerMinute: 100 }, team: { maxConcurrent: 1 } });
      const first = await acquire(store, r);
      expect(first.allowed).toBe(true);
      expect(first.requestRemaining).toBe(99);
      for (let i = 0; i < 3; i++) {
        const refused = await acquire(store, r);
        expect(refused.allowed).toBe(false);
        expect(refused.refusedBy?.kind).toBe("concurrency");
        expect(refused.retryAfterMs).toBe(1000);
      }
      await store.settle(first, 0);
      const next = await acquire(store, r);
      expect(next.allowed).toBe(true);
      // Only the two admitted requests were counted, not the three refused ones.
      expect(next.requestRemaining).toBe(98);
    });

    it("reserves tokens up front, refunds what was not used and charges what was", async () => {
      const r = rules({ key: { tokensPerMinute: 1000 } });
      const first = await acquire(store, r, 600);
      expect(first.allowed).toBe(true);
      expect(first.tokenRemaining).toBeGreaterThanOrEqual(400);
      expect(first.tokenRemaining).toBeLessThanOrEqual(401);
      expect((await acquire(store, r, 500)).allowed).toBe(false);
      await store.settle(first, 100); // used 100 of the 600 reserved
      const second = await acquire(store, r, 800);
      expect(second.allowed).toBe(true);
      await store.settle(second, 1500); // used 700 more than reserved: the bucket goes into debt
      const third = await acquire(store, r, 1);
      expect(third.allowed).toBe(false);
      // 100 + 1500 = 1600 used of 1000 per minute: ~36 s until 1 token is free again.
      expect(third.retryAfterMs).toBeGreaterThan(30_000);
      expect(third.retryAfterMs).toBeLessThanOrEqual(36_100);
    });

    it("refuses for good a request larger than the bucket", async () => {
      const r = rules({ key: { tokensPerMinute: 1000 } });
      const refused = await acquire(store, r, 1001);
      expect(refused.allowed).toBe(false);
      expect(refused.retryAfterMs).toBe(Infinity);
      expect((await acquire(store, r, 1000)).allowed).toBe(true);
    });

    it("keeps a daily budget in the UTC day, with refunds", async () => {
      const r = rules({ key: { tokensPerDay: 1000 } });
      const first = await acquire(store, r, 600);
      expect(first.allowed).toBe(true);
      const refused = await acquire(store, r, 500);
      expect(refused.allowed).toBe(false);
      expect(refused.refusedBy?.kind).toBe("window");
      const endOfDay = Math.ceil((Date.now() + 1) / 86_400_000) * 86_400_000;
      expect(Math.abs(Date.now() + refused.retryAfterMs - endOfDay)).toBeLessThan(5_000);
      await store.settle(first, 100);
      expect((await acquire(store, r, 900)).allowed).toBe(true);
      expect((await acquire(store, r, 1)).allowed).toBe(false);
      expect((await acquire(store, r, 2000)).retryAfterMs).toBe(Infinity);
    });

    it("frees concurrency slots when settled, so none leak", async () => {
      const r = rules({ key: { maxConcurrent: 2 } });
      const a = await acquire(store, r);
      const b = await acquire(store, r);
      expect([a.allowed, b.allowed]).toEqual([true, true]);
      expect((await acquire(store, r)).allowed).toBe(false);
      await store.settle(a, 0);
      const c = await acquire(store, r);
      expect(c.allowed).toBe(true);
      await store.settle(b, 0);
      await store.settle(c, 0);
      const all = await Promise.all([acquire(store, r), acquire(store, r), acquire(store, r)]);
      expect(all.filter((x) => x.allowed)).toHaveLength(2);
    });

    it("limits a team's keys together", async () => {
      const team = `shared${++serial}`;
      const input = { key: { requestsPerMinute: 100 }, team: { requestsPerMinute: 3 } };
      const one = rules(input, team, `k-one-${serial}`);
      const two = rules(input, team, `k-two-${serial}`);
      const results = [];
      for (let i = 0; i < 3; i++) {
        results.push((await acquire(store, one)).allowed, (await acquire(store, two)).allowed);
      }
      expect(results.filter(Boolean)).toHaveLength(3);
      const refused = await acquire(store, two);
      expect(refused.refusedBy?.subject).toBe(`t:${team}`);
    });

    it("never admits more than the limit under concurrent checks", async () => {
      const r = rules({ key: { requestsPerMinute: 20 } });
      const results = await Promise.all(Array.from({ length: 60 }, () => acquire(store, r)));
      expect(results.filter((x) => x.allowed)).toHaveLength(20);
    });
  });
}

describe.skipIf(target.skip)("redis store across replicas", () => {
  const prefix = uniquePrefix();
  let a: RedisStore;
  let b: RedisStore;
  let raw: Redis;
  beforeAll(async () => {
    a = await openRedis(target.url, prefix, 1000);
    b = await openRedis(target.url, prefix, 1000);
    raw = new Redis(target.url);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    raw?.disconnect();
  });

  it("two stores on one Redis enforce one combined limit", async () => {
    const r = rules({ key: { requestsPerMinute: 10 } });
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => acquire(i % 2 ? a : b, r)));
    expect(results.filter((x) => x.allowed)).toHaveLength(10);
  });

  it("every key it writes has a TTL", async () => {
    const r = rules({
      key: { requestsPerMinute: 10, tokensPerMinute: 1000, tokensPerDay: 5000, maxConcurrent: 3 },
    });
    const admitted = await acquire(a, r, 10);
    const keys = await raw.keys(`${prefix}*`);
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) expect(await raw.pttl(key), key).toBeGreaterThan(0);
    await a.settle(admitted, 10);
  });

  it("the slots of a replica that died free themselves after one lease", async () => {
    const r = rules({ key: { maxConcurrent: 1 } });
    const crashing = await openRedis(target.url, prefix, 1000);
    expect((await acquire(crashing, r)).allowed).toBe(true);
    await crashing.close(); // no settle, no more renewals: as if the process died
    expect((await acquire(a, r)).allowed).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 1300));
    expect((await acquire(a, r)).allowed).toBe(true);
  });

  it("renews the lease of a request still running", async () => {
    const r = rules({ key: { maxConcurrent: 1 } });
    const running = await acquire(a, r);
    expect(running.allowed).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 1600)); // longer than the 1 s lease
    expect((await acquire(b, r)).allowed).toBe(false);
    await a.settle(running, 0);
    expect((await acquire(b, r)).allowed).toBe(true);
  });

  it("reloads its scripts when Redis lost them", async () => {
    await raw.script("FLUSH");
    const r = rules({ key: { requestsPerMinute: 10 } });
    expect((await acquire(a, r)).allowed).toBe(true);
  });
});

describe("redis store while Redis is unreachable", () => {
  const open = (onError: "memory" | "deny") =>
    RedisStore.open({
      url: "redis://127.0.0.1:1",
      keyPrefix: uniquePrefix(),
      timeoutMs: 200,
      leaseMs: 30_000,
      onError,
      fallback: new MemoryStore(1000),
      report: () => {},
      connectWaitMs: 300,
    });

  it("keeps enforcing the limits in this process with onError: memory", async () => {
    const store = await open("memory");
    try {
      const r = rules({ key: { requestsPerMinute: 2, maxConcurrent: 5 } });
      const first = await acquire(store, r);
      expect(first.allowed).toBe(true);
      expect(first.viaFallback).toBe(true);
      expect((await acquire(store, r)).allowed).toBe(true);
      expect((await acquire(store, r)).allowed).toBe(false);
      await store.settle(first, 0); // settled where it was admitted
    } finally {
      await store.close();
    }
  });

  it("refuses with onError: deny", async () => {
    const store = await open("deny");
    try {
      await expect(acquire(store, rules({ key: { requestsPerMinute: 2 } }))).rejects.toThrow(
        LimitStoreUnavailableError,
      );
    } finally {
      await store.close();
    }
  });
});
