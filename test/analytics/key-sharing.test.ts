import { describe, expect, it } from "vitest";
import { AnalyticsEngine, IdentityState, type ExpectedWorkload } from "../../src/analytics/index.js";
import { networkOf, observation } from "../../src/analytics/observe.js";
import { requestEvent } from "./helpers.js";

/**
 * The key-sharing detector: many places at once (IPs within 10 min), many networks within an hour
 * (IPv4 /16, IPv6 /32), against what one person or a declared pool of servers does.
 */

const T0 = Date.parse("2025-03-03T20:00:00Z");
const MIN = 60_000;
const chat = (i: number) => ({
  messages: [{ role: "user", content: `question number ${i} about our product` }],
});

interface Call {
  at: number;
  ip: string;
  ua?: string;
}

/** Replays the calls of one key and returns its highest key-sharing assessment. */
function run(
  calls: Call[],
  expected?: ExpectedWorkload,
): { score: number; category: string | null; reasons: string[] } {
  const engine = new AnalyticsEngine(expected ? { expected: { keys: { k: expected }, teams: {} } } : {});
  let best = { score: 0, category: null as string | null, reasons: [] as string[] };
  calls
    .sort((a, b) => a.at - b.at)
    .forEach((c, i) => {
      const a = engine.observe(
        requestEvent("k", c.at, chat(i), { ip: c.ip, userAgent: c.ua ?? "python-requests/2.31.0" }),
      )!;
      if (a.score > best.score) best = { score: a.score, category: a.category, reasons: a.reasons() };
    });
  return best;
}

/** `n` clients one after the other, each for `minutes` with a request a minute, all with the same user agent. */
function relay(ips: string[], minutes: number, from = T0): Call[] {
  return ips.flatMap((ip, c) =>
    Array.from({ length: minutes }, (_, m) => ({ at: from + (c * minutes + m) * MIN, ip })),
  );
}

/** An address in each of `n` different /16 networks (documentation-style, deterministic). */
const spread = (n: number) => Array.from({ length: n }, (_, i) => `${23 + 11 * i}.${40 + i}.7.${10 + i}`);

describe("networkOf", () => {
  it.each([
    ["198.51.100.7", "198.51/16"],
    ["10.20.3.11", "10.20/16"],
    ["::ffff:198.51.100.7", "198.51/16"], // IPv4-mapped: the same network as its IPv4 form
    ["2001:db8:1:2::5", "2001:db8::/32"],
    ["2001:DB8:ffff::1", "2001:db8::/32"], // same provider allocation, another site
    ["::1", "0:0::/32"],
    ["not-an-ip", undefined],
    ["", undefined],
  ])("%s → %s", (ip, net) => {
    expect(networkOf(ip)).toBe(net);
  });
});

describe("key sharing", () => {
  it("flags a key handed from client to client across nine networks within an hour, one at a time, with one user agent", () => {
    // Never more than two IPs within 10 minutes and no new user agent: concurrency and new-agent
    // signals stay quiet; the spread over networks is what gives it away.
    const best = run(relay(spread(9), 6));
    expect(best.category).toBe("key_sharing");
    expect(best.score).toBeGreaterThanOrEqual(0.7);
    expect(best.reasons.join("\n")).toMatch(/9 networks \(IPv4 \/16 or IPv6 \/32\) active within 1 h/);
  });

  it("does not flag the same relay across nine addresses of one /16 (a NAT pool, a data centre)", () => {
    const ips = Array.from({ length: 9 }, (_, i) => `100.64.${i}.9`);
    expect(run(relay(ips, 6)).score).toBeLessThan(0.7);
  });

  it("does not flag one person moving between home, office and phone, each over IPv4 and IPv6, within an hour", () => {
    const places = ["198.51.100.7", "2001:db8:aa::7", "203.0.113.20", "2a02:1234::20", "100.70.1.2"];
    expect(run(relay(places, 10)).score).toBeLessThan(0.7);
  });

  it("does not flag a declared pool of three application servers in three regions, round-robin for hours", () => {
    const pool = ["10.20.0.11", "172.31.4.12", "192.168.7.13"];
    const calls = Array.from({ length: 3 * 60 * 12 }, (_, i) => ({ at: T0 + i * 5000, ip: pool[i % 3]! }));
    expect(run(calls, { ips: 3 }).score).toBeLessThan(0.7);
    // What the declaration covers is the pool, not a leak of its key: seven outside networks on top are flagged.
    const leak = relay(spread(7), 5, T0 + 2 * 3_600_000);
    expect(run([...calls, ...leak], { ips: 3 }).score).toBeGreaterThanOrEqual(0.7);
  });

  it("a declared pool larger than the spread keeps the same traffic quiet", () => {
    expect(run(relay(spread(9), 6), { ips: 8 }).score).toBeLessThan(0.7);
  });

  it("merging replicas' partial states keeps the networks each one saw", () => {
    const a = new IdentityState();
    const b = new IdentityState();
    const maximal = { promptTokens: 16000, maxTokens: 16000 };
    relay(spread(6), 2).forEach((c, i) =>
      (i % 2 === 0 ? a : b).observe(observation(requestEvent("k", c.at, chat(i), { ip: c.ip }), maximal)),
    );
    const now = Math.max(a.lastTime, b.lastTime);
    a.merge(b);
    expect(a.activeNets(now, 3_600_000)).toBe(6);
  });
});
