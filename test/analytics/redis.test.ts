import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { AnalyticsEngine, RedisSharedState } from "../../src/analytics/index.js";
import { startAnalytics } from "../../src/app/analytics.js";
import { createLogger } from "../../src/app/logger.js";
import { parseConfigText } from "../../src/config/index.js";
import { EventBus, type SecurityEvent } from "../../src/events/index.js";
import { Rng } from "../../src/cli/commands/simulate/rng.js";
import { harvestPrompt } from "../../src/cli/commands/simulate/text.js";
import { redisTarget, uniquePrefix } from "../limits/redis-env.js";
import { extractionBody, requestEvent } from "./helpers.js";

/**
 * Analytics state shared through the real Redis: two replicas each see half of an identity's
 * traffic and judge it on the whole; one detection is published, not one per replica; a replica
 * that restarts finds its partial again. Skipped with a message when Redis is absent (never on CI).
 */

const target = await redisTarget();
const opened: RedisSharedState[] = [];

async function replica(prefix: string, name: string): Promise<RedisSharedState> {
  const s = await RedisSharedState.open({
    url: target.url,
    keyPrefix: prefix,
    replica: name,
    ttlMs: 600_000,
    timeoutMs: 2000,
    onError: (e) => {
      throw e;
    },
  });
  opened.push(s);
  return s;
}

afterAll(async () => {
  const cleanup = new Redis(target.url);
  for await (const keys of cleanup.scanStream({ match: "pcx:test:*", count: 500 }))
    if ((keys as string[]).length) await cleanup.del(...(keys as string[]));
  cleanup.disconnect();
});

describe.skipIf(target.skip !== undefined)("analytics state in Redis", () => {
  it("two replicas splitting an extraction judge it on the merged state and publish one detection", async () => {
    const prefix = uniquePrefix();
    const published: SecurityEvent[] = [];
    const publish = (e: SecurityEvent) => published.push(e);
    const a = new AnalyticsEngine({}, { publish }, await replica(prefix, "a"));
    const b = new AnalyticsEngine({}, { publish }, await replica(prefix, "b"));
    const r = new Rng(9);
    const t0 = Date.parse("2025-03-03T10:00:00Z");
    let lastA = 0;
    let lastB = 0;
    // Batches of 20, alternately to each replica (a load balancer's round robin).
    for (let batch = 0; batch < 20; batch++) {
      const events = Array.from({ length: 20 }, (_, i) =>
        requestEvent("k-shared", t0 + (batch * 20 + i) * 1000, extractionBody(harvestPrompt(r))),
      );
      const out = await (batch % 2 === 0 ? a : b).handle(events);
      expect(out).toHaveLength(1);
      if (batch % 2 === 0) lastA = out[0]!.requests;
      else lastB = out[0]!.requests;
    }
    // Each replica counted 200 requests itself, but judged on all of them.
    expect(lastA).toBeGreaterThanOrEqual(380);
    expect(lastB).toBe(400);
    const detections = published.filter((e) => e.activity === "analytics.model_extraction");
    expect(detections.length).toBeGreaterThanOrEqual(1);
    // One per score band (escalation), never one per replica.
    const band = (d: SecurityEvent) => {
      const score = d.details!.score as number;
      return score >= 0.9 ? 2 : score >= 0.8 ? 1 : 0;
    };
    expect(detections.length).toBeLessThanOrEqual(3);
    expect(new Set(detections.map(band)).size).toBe(detections.length);
    await a.close();
    await b.close();
  });

  it("a replica alone does not see enough to flag; with the other's partial it does", async () => {
    const prefix = uniquePrefix();
    const r = new Rng(10);
    const t0 = Date.parse("2025-03-03T10:00:00Z");
    const events = Array.from({ length: 240 }, (_, i) =>
      requestEvent("k-split", t0 + i * 1000, extractionBody(harvestPrompt(r))),
    );
    const alone = new AnalyticsEngine();
    const aloneScore = Math.max(
      ...events
        .filter((_, i) => i % 3 !== 0)
        .slice(0, 60)
        .map((e) => alone.observe(e)!.score),
    );
    const a = new AnalyticsEngine({}, {}, await replica(prefix, "a"));
    const b = new AnalyticsEngine({}, {}, await replica(prefix, "b"));
    await a.handle(events.slice(0, 180));
    const [assessment] = await b.handle(events.slice(180));
    expect(aloneScore).toBeLessThan(0.7);
    expect(assessment!.requests).toBe(240);
    expect(assessment!.score).toBeGreaterThanOrEqual(0.7);
    await a.close();
    await b.close();
  });

  it("a restarted replica loads its own partial state again", async () => {
    const prefix = uniquePrefix();
    const r = new Rng(11);
    const t0 = Date.parse("2025-03-03T10:00:00Z");
    const first = new AnalyticsEngine({}, {}, await replica(prefix, "same"));
    await first.handle(
      Array.from({ length: 50 }, (_, i) =>
        requestEvent("k-restart", t0 + i * 1000, extractionBody(harvestPrompt(r))),
      ),
    );
    await first.close();
    const second = new AnalyticsEngine({}, {}, await replica(prefix, "same"));
    const [assessment] = await second.handle([
      requestEvent("k-restart", t0 + 60_000, extractionBody(harvestPrompt(r))),
    ]);
    expect(assessment!.requests).toBe(51);
    await second.close();
  });
});

describe.skipIf(target.skip !== undefined)("analytics.state: redis in the server wiring", () => {
  it("startAnalytics opens the Redis state from a secret reference, publishes on the bus and closes cleanly", async () => {
    process.env.PCX_TEST_ANALYTICS_REDIS = target.url;
    const prefix = uniquePrefix();
    const loaded = parseConfigText(
      [
        "providers: { demo: { type: demo } }",
        "models: [{ name: demo-chat, provider: demo }]",
        `analytics: { state: { type: redis, url: "env:PCX_TEST_ANALYTICS_REDIS", keyPrefix: "${prefix}" } }`,
      ].join("\n"),
      "test.yaml",
    );
    const bus = new EventBus();
    const seen: SecurityEvent[] = [];
    bus.subscribe({
      name: "collector",
      filter: (e) => e.class === "detection_finding",
      handle: (batch) => {
        seen.push(...batch);
      },
    });
    const running = await startAnalytics({ loaded, bus, logger: createLogger("silent") });
    const r = new Rng(12);
    const t0 = Date.parse("2025-03-03T10:00:00Z");
    for (let i = 0; i < 300; i++)
      bus.publish(requestEvent("k-wired", t0 + i * 1000, extractionBody(harvestPrompt(r))));
    await bus.drain(10_000, ["analytics"]);
    await bus.drain(5000);
    expect(seen.some((e) => e.activity === "analytics.model_extraction")).toBe(true);
    // The state is in Redis under the configured prefix.
    const check = new Redis(target.url);
    expect((await check.keys(`${prefix}k:k-wired*`)).length).toBeGreaterThanOrEqual(2);
    check.disconnect();
    await running!.close();
    await bus.close(0);
  });
});
