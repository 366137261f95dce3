import { describe, expect, it } from "vitest";
import { scanText } from "../../src/detect/index.js";
import { PHASES } from "../../src/drill/index.js";
import { extractionPrompts, INJECTIONS, leakPrompts } from "../../src/drill/prompts.js";
import { judgeSiem, parseSiemMetrics } from "../../src/drill/siem.js";

const METRICS = `# HELP portcullis_events_delivered_total x
# TYPE portcullis_events_delivered_total gauge
portcullis_events_delivered_total{subscriber="store"} 900
portcullis_events_delivered_total{subscriber="siem:soc"} 40
portcullis_event_delivery_failures_total{subscriber="siem:soc"} 0
portcullis_event_queue_depth{subscriber="siem:soc"} 0
portcullis_events_delivered_total{subscriber="siem:soar"} 12
portcullis_event_delivery_failures_total{subscriber="siem:soar"} 3
portcullis_event_queue_depth{subscriber="siem:soar"} 5
`;

describe("SIEM delivery from /metrics", () => {
  it("reads the siem:<name> subscribers only", () => {
    const parsed = parseSiemMetrics(METRICS);
    expect([...parsed.keys()]).toEqual(["soc", "soar"]);
    expect(parsed.get("soar")).toEqual({ delivered: 12, failed: 3, deadLettered: 0, depth: 5 });
  });

  it("passes when every exporter delivered, waits while queued, fails on failures or no exporter", () => {
    const before = parseSiemMetrics(METRICS.replace("} 40", "} 10").replace('soar"} 3', 'soar"} 0'));
    const after = parseSiemMetrics(METRICS);
    expect(judgeSiem(before, after, ["soc"], false)).toEqual({
      status: "pass",
      detail: "soc: 30 events delivered",
    });
    expect(judgeSiem(before, after, ["soc", "soar"], false)).toMatchObject({
      status: "fail",
      detail: expect.stringMatching(/soar: 3 failed deliveries/),
    });
    const queued = parseSiemMetrics(
      METRICS.replace('soc"} 40', 'soc"} 10').replace(
        'depth{subscriber="siem:soc"} 0',
        'depth{subscriber="siem:soc"} 7',
      ),
    );
    expect(judgeSiem(before, queued, ["soc"], false).status).toBe("pending");
    expect(judgeSiem(before, queued, ["soc"], true).status).toBe("fail");
    expect(judgeSiem(new Map(), new Map(), [], true).detail).toMatch(/no SIEM exporter is configured/);
    expect(judgeSiem({ unavailable: "/metrics is off" }, after, ["soc"], true).detail).toMatch(
      /metrics is off/,
    );
  });
});

describe("the drill's traffic", () => {
  it("every injection is one the shipped detector flags", () => {
    for (const text of INJECTIONS) {
      const findings = scanText(text, { context: "prompt" }).map((f) => f.category);
      expect(findings, text).toContain("prompt_injection");
    }
  });

  it("leaked credentials are fresh per seed and detected as secrets", () => {
    const a = leakPrompts(1);
    expect(leakPrompts(1)).toEqual(a);
    expect(leakPrompts(2)).not.toEqual(a);
    for (const text of a) {
      const findings = scanText(text, { context: "prompt" }).map((f) => f.category);
      expect(findings, text).toContain("secret");
    }
  });

  it("extraction prompts are all different and spread over many templates", () => {
    const prompts = extractionPrompts(7, 180);
    expect(new Set(prompts).size).toBe(180);
    expect(new Set(prompts.map((p) => p.split(":")[0])).size).toBeGreaterThanOrEqual(30);
  });

  it("every phase has a unique id and every check id starts with its phase", () => {
    expect(new Set(PHASES.map((p) => p.id)).size).toBe(PHASES.length);
    for (const phase of PHASES)
      for (const e of phase.expect) expect(e.id.startsWith(`${phase.id}.`)).toBe(true);
  });
});
