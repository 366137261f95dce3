import { describe, expect, it } from "vitest";
import { formatDuration, IpLimiter, retryAfterSeconds } from "../../src/limits/index.js";
import { Lru } from "../../src/limits/lru.js";

describe("header formats", () => {
  it.each([
    [0, "0ms"],
    [20, "20ms"],
    [999.6, "1s"],
    [1000, "1s"],
    [1500, "1.5s"],
    [7660, "7.66s"],
    [60_000, "1m0s"],
    [360_000, "6m0s"],
    [90_500, "1m30.5s"],
    [3_723_000, "1h2m3s"],
    [3_600_000, "1h0m0s"],
  ])("formats %s ms as %s (Go duration notation, as OpenAI's x-ratelimit-reset-*)", (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it("rounds Retry-After up to whole seconds, at least 1 (RFC 9110 §10.2.3)", () => {
    expect(retryAfterSeconds(1)).toBe(1);
    expect(retryAfterSeconds(1000)).toBe(1);
    expect(retryAfterSeconds(1001)).toBe(2);
    expect(retryAfterSeconds(0)).toBe(1);
  });
});

describe("bounded LRU", () => {
  it("evicts the least recently used, skipping pinned entries while it can", () => {
    const lru = new Lru<number>(3, (v) => v < 0);
    lru.set("a", 1);
    lru.set("b", -1); // pinned
    lru.set("c", 3);
    lru.get("a"); // a is now the most recent
    lru.set("d", 4); // evicts c? no: b is oldest but pinned, so c goes
    expect([lru.peek("a"), lru.peek("b"), lru.peek("c"), lru.peek("d")]).toEqual([1, -1, undefined, 4]);
    expect(lru.size).toBe(3);
  });

  it("stays bounded even when everything is pinned", () => {
    const lru = new Lru<number>(10, () => true);
    for (let i = 0; i < 1000; i++) lru.set(`k${i}`, i);
    expect(lru.size).toBeLessThanOrEqual(10);
  });
});

describe("per-IP limiter", () => {
  it("refuses an address over its limit and forgets addresses beyond its capacity", () => {
    let now = 0;
    const ips = new IpLimiter(60, 100, () => now);
    for (let i = 0; i < 60; i++) expect(ips.hit("10.0.0.1")).toBeLessThanOrEqual(0);
    expect(ips.hit("10.0.0.1")).toBe(1000);
    expect(ips.wait("10.0.0.1")).toBe(1000);
    expect(ips.wait("10.0.0.2")).toBe(0);
    now += 1000;
    expect(ips.hit("10.0.0.1")).toBeLessThanOrEqual(0);
    for (let i = 0; i < 10_000; i++) ips.hit(`192.168.${i >> 8}.${i & 255}`);
    expect(ips.size).toBeLessThanOrEqual(100);
  });
});
