import { afterEach, describe, expect, it } from "vitest";
import { AnalyticsEngine } from "../../src/analytics/index.js";
import type { SecurityEvent } from "../../src/events/index.js";
import { DEFAULT_PLAYBOOKS, DEFAULT_RULES } from "../../src/incidents/index.js";
import { requestEvent } from "../analytics/helpers.js";
import { cleanupTmp, harness, T0, type Harness } from "./helpers.js";

/**
 * A flood from a brand-new key (no history, a team with no baseline) against the shipped analytics
 * and incident defaults: the gateway's own limits refuse most of it and it keeps coming, so the
 * flood detector scores it high and the shipped `abuse-flood` rule (score ≥ 0.8) opens an incident
 * and the shipped playbook throttles the key — no extra rule needed. The same volume without
 * refusals (a new batch job's first run, within its limits) is reported but opens nothing.
 */

const harnesses: Harness[] = [];
afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.close();
  cleanupTmp();
});

/** `count` requests from one new key within 2 minutes; every request after `allowed` refused with 429. */
function flood(key: string, count: number, allowed: number): SecurityEvent[] {
  return Array.from({ length: count }, (_, i) => {
    const event = requestEvent(
      key,
      T0 + Math.floor((i * 120_000) / count),
      { messages: [{ role: "user", content: `ping ${i}` }], max_tokens: 1 },
      { team: "newcomers", ip: "203.0.113.50", userAgent: "Go-http-client/1.1" },
    );
    if (i < allowed) return event;
    return {
      ...event,
      decision: { action: "block", monitor_only: false, reasons: ["limits: PCX_RATE_LIMITED"] },
      error_code: "PCX_RATE_LIMITED",
    } satisfies SecurityEvent;
  });
}

/**
 * The same flood as the gateway records it with the penalty box on: each second's refusals as one
 * summary event carrying `count` (src/gateway/penalty.ts), the admitted requests one event each.
 */
function summarised(events: SecurityEvent[]): SecurityEvent[] {
  const out: SecurityEvent[] = [];
  let pending: SecurityEvent | undefined;
  for (const event of events) {
    if (event.error_code !== "PCX_RATE_LIMITED") {
      out.push(event);
      continue;
    }
    if (pending && Math.floor(pending.time / 1000) !== Math.floor(event.time / 1000)) {
      out.push(pending);
      pending = undefined;
    }
    pending = pending
      ? { ...pending, time: event.time, count: pending.count! + 1 }
      : { ...event, request_features: undefined, count: 1 };
  }
  if (pending) out.push(pending);
  return out;
}

/** Runs the events through analytics and hands its detections to the responder, as the bus does. */
async function run(events: SecurityEvent[]) {
  const h = harness({ rules: [...DEFAULT_RULES], playbooks: [...DEFAULT_PLAYBOOKS] });
  harnesses.push(h);
  await h.key("key_new", { team: "newcomers" });
  const detections: SecurityEvent[] = [];
  const engine = new AnalyticsEngine({}, { publish: (e) => detections.push(e) });
  for (const e of events) engine.observe(e);
  h.clock.now = T0 + 130_000;
  await h.incidents.responder.handle(detections);
  const { incidents } = await h.store.incidents!.listIncidents({ limit: 10 });
  return { h, detections, incidents };
}

describe("a flood from a new key with the shipped defaults", () => {
  it("opens an abuse-flood incident and throttles the key when it keeps sending through its 429s", async () => {
    // 600 requests a minute allowed (the drill's limit), 2200 sent: three in four refused.
    const { h, detections, incidents } = await run(flood("key_new", 2200, 600));
    const scores = detections.map((d) => d.details!.score as number);
    expect(Math.max(...scores)).toBeGreaterThanOrEqual(0.9);
    expect(detections.at(-1)!.decision.reasons.join("\n")).toMatch(
      /refused by its own rate or concurrency limits/,
    );
    expect(incidents).toHaveLength(1);
    expect(incidents[0]).toMatchObject({
      type: "flood",
      ruleId: "abuse-flood",
      keyId: "key_new",
      status: "open",
    });
    expect(h.tightened.has("key_new")).toBe(true);
  });

  it("sees the flood at its full size when the refusals arrive summarised by the penalty box", async () => {
    const events = summarised(flood("key_new", 2200, 600));
    // 600 admitted events plus about one summary a second for the rest.
    expect(events.length).toBeLessThan(750);
    expect(events.reduce((sum, e) => sum + (e.count ?? 1), 0)).toBe(2200);
    const { h, detections, incidents } = await run(events);
    expect(Math.max(...detections.map((d) => d.details!.score as number))).toBeGreaterThanOrEqual(0.9);
    expect(detections.at(-1)!.decision.reasons.join("\n")).toMatch(
      /refused by its own rate or concurrency limits/,
    );
    expect(incidents).toHaveLength(1);
    expect(incidents[0]).toMatchObject({ type: "flood", ruleId: "abuse-flood", keyId: "key_new" });
    expect(h.tightened.has("key_new")).toBe(true);
  });

  it("reports the same volume within its limits as a detection, but opens no incident", async () => {
    const { detections, incidents } = await run(flood("key_new", 2200, 2200));
    expect(detections.length).toBeGreaterThan(0);
    expect(Math.max(...detections.map((d) => d.details!.score as number))).toBeLessThan(0.8);
    expect(incidents).toEqual([]);
  });
});
