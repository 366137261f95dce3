import { afterEach, describe, expect, it, vi } from "vitest";
import { runDrill } from "../../src/drill/index.js";
import { startReceiver, type Receiver } from "../incidents/receiver.js";
import { ADMIN_KEY, startTarget, type DrillTarget } from "./helpers.js";

const started: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const s of started.splice(0).reverse()) await s.close();
  vi.unstubAllEnvs();
});

/**
 * The whole scenario — injection, leakage, extraction and flood — against a gateway configured as
 * docs/drill.md asks: guards and the shipped incident rules, behaviour analytics, a per-key request
 * limit, an incidents webhook and a SIEM exporter — no rule beyond the shipped ones.
 */
describe("the whole drill scenario", () => {
  it("passes on a correctly configured gateway, every phase answered and alerted", async () => {
    const hook: Receiver = await startReceiver();
    started.push(hook);
    const t: DrillTarget = await startTarget(`limits:
  key: { requestsPerMinute: 600 }
siem:
  exporters:
    - { name: soc, type: webhook, url: "${hook.url}/siem", secret: env:DRILL_SIEM_SECRET }
incidents:
  webhooks:
    ops: { url: "${hook.url}/incidents", secret: env:DRILL_HOOK_SECRET }
`);
    started.push(t);
    const report = await runDrill({ server: t.server.url, adminKey: ADMIN_KEY, waitMs: 30_000, pollMs: 250 });
    expect(report.failed, JSON.stringify(report, null, 2)).toEqual([]);
    expect(report.phases.map((p) => p.id)).toEqual(["injection", "leakage", "extraction", "flood"]);
    for (const phase of report.phases.filter((p) => p.id !== "leakage")) {
      expect(phase.time_to_detect_ms, phase.id).not.toBeNull();
      expect(phase.time_to_respond_ms, phase.id).not.toBeNull();
      expect(phase.time_to_notify_ms, phase.id).not.toBeNull();
    }
    const flood = report.phases.find((p) => p.id === "flood")!;
    // Sized from the per-key limit shown by the server: at least 110% of it, at least the default.
    expect(flood.requests.sent).toBe(2200);
    expect(flood.requests.statuses["429"]).toBeGreaterThan(0);
    // Every phase's incident was notified to the webhook with that phase's key in it.
    const notices = hook.received.filter((r) => r.path.endsWith("/incidents")).map((r) => r.body.toString());
    for (const phase of report.phases.filter((p) => p.id !== "leakage"))
      expect(
        notices.some((n) => n.includes(phase.key_id)),
        phase.id,
      ).toBe(true);
    expect(report.cleanup.keys.map((k) => k.status)).toEqual(["revoked", "revoked", "revoked", "revoked"]);
  }, 240_000);
});
