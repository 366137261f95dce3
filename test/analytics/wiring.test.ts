import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAnalytics } from "../../src/app/analytics.js";
import { startServer, type RunningServer } from "../../src/app/index.js";
import { createLogger } from "../../src/app/logger.js";
import { parseConfigText } from "../../src/config/index.js";
import { EventBus, type SecurityEvent } from "../../src/events/index.js";
import { Rng } from "../../src/cli/commands/simulate/rng.js";
import { harvestPrompt, chatPrompt } from "../../src/cli/commands/simulate/text.js";
import { extractionBody, requestEvent } from "./helpers.js";

/**
 * The server wiring (src/app/analytics.ts): analytics reads request events from the bus and
 * publishes `detection_finding` events back on it, in the shape incident rules read
 * (`activity: analytics.<category>`, `details.score`).
 */

const silent = () => createLogger("silent");
const BASE = "providers: { demo: { type: demo } }\nmodels: [{ name: demo-chat, provider: demo }]\n";
const config = (extra = "") => parseConfigText(BASE + extra, "test.yaml");

function collector(bus: EventBus): SecurityEvent[] {
  const seen: SecurityEvent[] = [];
  bus.subscribe({
    name: "test-collector",
    filter: (e) => e.class === "detection_finding",
    handle: (batch) => {
      seen.push(...batch);
    },
  });
  return seen;
}

describe("analytics on the event bus", () => {
  it("publishes a model_extraction detection for an extraction pattern, with the score incident rules read", async () => {
    const bus = new EventBus();
    const seen = collector(bus);
    const running = await startAnalytics({ loaded: config(), bus, logger: silent() });
    expect(running).toBeDefined();
    const r = new Rng(7);
    const start = Date.parse("2025-03-03T10:00:00Z");
    for (let i = 0; i < 300; i++)
      bus.publish(requestEvent("k-extract", start + i * 1000, extractionBody(harvestPrompt(r))));
    await bus.drain(5000, ["analytics"]);
    await bus.drain(5000);
    const detections = seen.filter((e) => e.activity === "analytics.model_extraction");
    expect(detections.length).toBeGreaterThanOrEqual(1);
    const last = detections.at(-1)!;
    expect(last.actor.key_id).toBe("k-extract");
    expect(last.details?.score).toBeGreaterThanOrEqual(0.9);
    expect(last.details?.category).toBe("model_extraction");
    expect((last.details?.reasons as string[]).join(" ")).toMatch(/novel prompts/);
    // A detection is not itself analysed (no feedback loop): nothing but extraction was published.
    expect(seen.every((e) => e.actor.key_id === "k-extract")).toBe(true);
    await running!.close();
    await bus.close(0);
  });

  it("stays quiet for ordinary chat, and does nothing when analytics.enabled is false", async () => {
    const bus = new EventBus();
    const seen = collector(bus);
    const on = await startAnalytics({ loaded: config(), bus, logger: silent() });
    const r = new Rng(8);
    const start = Date.parse("2025-03-03T10:00:00Z");
    for (let i = 0; i < 200; i++)
      bus.publish(
        requestEvent("k-chat", start + i * 60_000, { messages: [{ role: "user", content: chatPrompt(r) }] }),
      );
    await bus.drain(5000, ["analytics"]);
    await bus.drain(5000);
    expect(seen).toEqual([]);
    await on!.close();

    const off = await startAnalytics({
      loaded: config("analytics: { enabled: false }"),
      bus,
      logger: silent(),
    });
    expect(off).toBeUndefined();
    await bus.close(0);
  });
});

describe("analytics in the running gateway", () => {
  let server: RunningServer;
  const adminKey = `pcx_${"A1b2C3d4".repeat(5)}`;
  const logs: string[] = [];

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), "pcx-analytics-"));
    const config = join(dir, "portcullis.yaml");
    // Incidents off: this test is about analytics' own output; incidents has its own e2e test.
    writeFileSync(
      config,
      [
        "providers: { demo: { type: demo } }",
        "models: [{ name: demo-chat, provider: demo }]",
        "incidents: { enabled: false }",
      ].join("\n"),
    );
    server = await startServer({
      configFile: config,
      dataDir: join(dir, "data"),
      host: "127.0.0.1",
      port: 0,
      env: { PORTCULLIS_ADMIN_KEY: adminKey },
      logDestination: new Writable({
        write(chunk: Buffer, _enc, done) {
          logs.push(chunk.toString());
          done();
        },
      }),
    });
  });
  afterAll(async () => {
    await server?.close();
  });

  it("an extraction run through the real gateway yields a detection event in the store", async () => {
    const r = new Rng(11);
    for (let i = 0; i < 260; i++) {
      const res = await fetch(`${server.url}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${adminKey}`, "content-type": "application/json" },
        body: JSON.stringify({ model: "demo-chat", ...extractionBody(harvestPrompt(r)) }),
      });
      const text = await res.text();
      // A guard may block the odd prompt; blocked requests are events too, and count.
      expect([200, 403], text).toContain(res.status);
    }
    let found: SecurityEvent[] = [];
    for (let attempt = 0; attempt < 50 && found.length === 0; attempt++) {
      const res = await fetch(`${server.url}/admin/v1/events?activity=analytics.model_extraction&limit=50`, {
        headers: { authorization: `Bearer ${adminKey}` },
      });
      expect(res.status).toBe(200);
      found = ((await res.json()) as { data: SecurityEvent[] }).data;
      if (found.length === 0) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(found.length).toBeGreaterThanOrEqual(1);
    const detection = found[0]!;
    expect(detection.class).toBe("detection_finding");
    expect(detection.details?.score).toBeGreaterThanOrEqual(0.7);
    // Never a prompt in a detection: only counts and ratios.
    expect(JSON.stringify(detection)).not.toMatch(/Translate|Classify|Summarize|Rewrite/);
    expect(logs.join("")).toMatch(/analytics detection/);
  }, 60_000);
});
