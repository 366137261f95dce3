import { describe, expect, it } from "vitest";
import { AnalyticsEngine, IdentityState, STATE_BYTES, type SharedState } from "../../src/analytics/index.js";
import { BoundedMap } from "../../src/analytics/lru.js";
import { M } from "../../src/analytics/state.js";
import { observation } from "../../src/analytics/observe.js";
import { fingerprint, requestFeatures } from "../../src/gateway/features.js";
import { Rng } from "../../src/cli/commands/simulate/rng.js";
import { harvestPrompt } from "../../src/cli/commands/simulate/text.js";
import { extractionBody, requestEvent } from "./helpers.js";

/** Bounded memory by count (LRU), the fixed-size state and its merge, and the request features. */

describe("bounded memory", () => {
  it("BoundedMap forgets the least recently used entry first", () => {
    const map = new BoundedMap<number>(3);
    map.set("a", 1);
    map.set("b", 2);
    map.set("c", 3);
    expect(map.get("a")).toBe(1); // a is now the most recent
    map.set("d", 4);
    expect(map.size).toBe(3);
    expect(map.get("b")).toBeUndefined();
    expect(map.get("a")).toBe(1);
    expect(map.get("d")).toBe(4);
  });

  it("the engine tracks at most maxIdentities keys whatever the number of keys it sees", () => {
    const engine = new AnalyticsEngine({ maxIdentities: 50, maxTeams: 5 });
    const t0 = Date.parse("2025-03-03T10:00:00Z");
    for (let i = 0; i < 2000; i++)
      engine.observe(
        requestEvent(
          `k${i}`,
          t0 + i,
          { messages: [{ role: "user", content: `hello ${i}` }] },
          { team: `t${i % 40}` },
        ),
      );
    expect(engine.trackedIdentities).toBe(50);
  });

  it("an identity's state is one fixed-size buffer, however many requests it counted", () => {
    const state = new IdentityState();
    const r = new Rng(1);
    const t0 = Date.parse("2025-03-03T10:00:00Z");
    for (let i = 0; i < 5000; i++) {
      const e = requestEvent("k", t0 + i * 1000, extractionBody(harvestPrompt(r)));
      state.observe(observation(e, { promptTokens: 16000, maxTokens: 16000 }));
    }
    expect(state.bytes().byteLength).toBe(STATE_BYTES);
    expect(STATE_BYTES).toBeLessThan(8192);
    expect(state.total).toBe(5000);
  });
});

describe("decayed counters and merge", () => {
  const maximal = { promptTokens: 16000, maxTokens: 16000 };
  it("a counter holds about rate × τ for a steady stream and decays when the stream stops", () => {
    const state = new IdentityState();
    const t0 = Date.parse("2025-03-03T00:00:00Z");
    // One request a minute for 24 h: the 2 h counter settles near 120.
    for (let i = 0; i < 24 * 60; i++)
      state.observe(observation(requestEvent("k", t0 + i * 60_000, { messages: [] }), maximal));
    const now = state.lastTime;
    expect(state.count(M.req, 1, now)).toBeGreaterThan(110);
    expect(state.count(M.req, 1, now)).toBeLessThan(130);
    expect(state.count(M.req, 1, now + 4 * 7_200_000)).toBeLessThan(5);
  });

  it("merging two replicas' partial states gives about the state of the whole stream", () => {
    const whole = new IdentityState();
    const a = new IdentityState();
    const b = new IdentityState();
    const r = new Rng(3);
    const t0 = Date.parse("2025-03-03T10:00:00Z");
    for (let i = 0; i < 400; i++) {
      const o = observation(
        requestEvent("k", t0 + i * 2000, extractionBody(harvestPrompt(r)), { ip: `10.0.0.${i % 4}` }),
        maximal,
      );
      whole.observe(o);
      (i % 2 === 0 ? a : b).observe(o);
    }
    a.merge(b);
    const now = whole.lastTime;
    expect(a.total).toBe(400);
    expect(a.count(M.req, 1, now)).toBeCloseTo(whole.count(M.req, 1, now), 6);
    expect(a.count(M.harvest, 1, now)).toBeCloseTo(whole.count(M.harvest, 1, now), 6);
    expect(a.distinctIps()).toBeCloseTo(whole.distinctIps(), 0);
    expect(a.activeIps(now, 600_000)).toBe(4);
  });
});

describe("request features", () => {
  it("carry fingerprints and shape, never the prompt's text", () => {
    const secret = "Zebra-Quartz-9931 confidential merger with Initech";
    const f = requestFeatures({
      model: "m",
      messages: [{ role: "user", content: secret }],
      logprobs: true,
      top_logprobs: 5,
      temperature: 0,
      max_tokens: 100,
    });
    const json = JSON.stringify(f);
    for (const word of ["Zebra", "Quartz", "9931", "merger", "Initech"]) expect(json).not.toContain(word);
    expect(f).toMatchObject({ logprobs: true, top_logprobs: 5, temperature: 0, max_tokens: 100 });
    expect(f.minhash).toHaveLength(16);
  });

  it("give templated prompts with varying slots one template, and different instructions different ones", () => {
    const a = fingerprint("Tell me about Paris and its history in 200 words.");
    const b = fingerprint("Tell me about New York and its history in 350 words.");
    const c = fingerprint("Write a haiku about the sea.");
    expect(a.template_hash).toBe(b.template_hash);
    expect(a.template_hash).not.toBe(c.template_hash);
  });

  it("give a near-duplicate prompt a mostly equal MinHash signature and an unrelated one a different one", () => {
    const base = "please summarise the quarterly report for the sales team and list the three main risks";
    const near = fingerprint(`${base} today`).minhash;
    const same = fingerprint(base).minhash;
    const other = fingerprint(
      "what is the capital city of australia and why was it chosen over sydney",
    ).minhash;
    const agree = (x: number[], y: number[]) => x.filter((v, i) => v === y[i]).length;
    expect(agree(same, near)).toBeGreaterThanOrEqual(10);
    expect(agree(same, other)).toBeLessThanOrEqual(3);
  });
});

describe("expected workloads", () => {
  it("a key declared to ask for logprobs by design is not flagged for extraction; an undeclared one is", () => {
    const run = (expected?: Record<string, unknown>) => {
      const engine = new AnalyticsEngine(expected ? { expected: { keys: { k: expected }, teams: {} } } : {});
      const r = new Rng(5);
      const t0 = Date.parse("2025-03-03T10:00:00Z");
      let best = 0;
      for (let i = 0; i < 400; i++)
        best = Math.max(
          best,
          engine.observe(requestEvent("k", t0 + i * 1000, extractionBody(harvestPrompt(r))))!.score,
        );
      return best;
    };
    expect(run()).toBeGreaterThanOrEqual(0.9);
    expect(run({ logprobs: true })).toBeLessThan(0.7);
    expect(run({ ignore: ["model_extraction"] })).toBeLessThan(0.7);
  });

  it("publishes a detection once per cooldown, and again each time it escalates past 0.8 and 0.9", () => {
    const published: number[] = [];
    const engine = new AnalyticsEngine({}, { publish: (e) => published.push(e.details!.score as number) });
    const r = new Rng(6);
    const t0 = Date.parse("2025-03-03T10:00:00Z");
    for (let i = 0; i < 600; i++)
      engine.observe(requestEvent("k", t0 + i * 1000, extractionBody(harvestPrompt(r))));
    // At most one per band (the rules' lines: 0.7 threshold, 0.8, 0.9), in rising bands.
    const band = (s: number) => (s >= 0.9 ? 2 : s >= 0.8 ? 1 : 0);
    expect(published.length).toBeGreaterThanOrEqual(1);
    expect(published.length).toBeLessThanOrEqual(3);
    expect(Math.max(...published)).toBeGreaterThanOrEqual(0.9);
    for (let i = 1; i < published.length; i++)
      expect(band(published[i]!)).toBeGreaterThan(band(published[i - 1]!));
  });
});

describe("shared state across versions", () => {
  it("skips another version's partials (a different layout during a rolling upgrade) instead of failing the batch", async () => {
    const old = new Uint8Array(STATE_BYTES - 24); // a layout with fewer counters
    const shared: SharedState = {
      load: async (keys, teams) => ({
        keys: new Map(keys.map((k) => [k, old])),
        teams: new Map(teams.map((t) => [t, old])),
      }),
      sync: async (keys, teams) => ({
        keys: new Map(keys.map(([k]) => [k, [old]])),
        teams: new Map(teams.map(([t]) => [t, [old]])),
      }),
      claim: async () => true,
      close: async () => {},
    };
    const engine = new AnalyticsEngine({}, {}, shared);
    const t0 = Date.parse("2025-03-03T10:00:00Z");
    const out = await engine.handle([
      requestEvent("k", t0, { messages: [] }),
      requestEvent("k", t0 + 1000, { messages: [] }),
    ]);
    expect(out).toHaveLength(1);
    expect(out[0]!.requests).toBe(2);
  });
});
