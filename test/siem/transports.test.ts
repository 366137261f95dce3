import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { verifyWebhook, type SiemSubscriber } from "../../src/siem/index.js";
import { buildExporters } from "./helpers/build.js";
import { parseCef, parseSyslog, sdParam } from "./helpers/parse.js";
import {
  selfSignedCertificate,
  startHttpReceiver,
  startStreamReceiver,
  startUdpReceiver,
} from "./helpers/receivers.js";
import { samples } from "./helpers/samples.js";

const { allowed, blocked, adminAction } = samples;
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function build(exporters: unknown[], secrets?: Record<string, string>): SiemSubscriber[] {
  const { subscribers } = buildExporters(exporters, secrets);
  cleanups.push(() => Promise.all(subscribers.map((s) => s.close())).then(() => {}));
  return subscribers;
}

describe("syslog over TCP (RFC 6587 octet counting)", () => {
  it("delivers a batch as octet-counted RFC 5424 messages and counts it", async () => {
    const receiver = await startStreamReceiver();
    cleanups.push(() => receiver.close());
    const [exporter] = build([
      { name: "tcp", type: "syslog", host: "127.0.0.1", port: receiver.port, settleMs: 0 },
    ]);
    await exporter!.handle([allowed, blocked]);
    const [first, second] = await receiver.waitFor(2);
    expect(sdParam(parseSyslog(first!), "portcullis@32473", "request_id")).toBe("req_0001");
    expect(parseSyslog(second!).hostname).toBe("gw.test");
    expect(exporter!.stats()).toMatchObject({ name: "tcp", type: "syslog", sent: 2, failed: 0 });
    expect(exporter!.stats().lastSuccessTime).toBeGreaterThan(0);
  });

  it("reuses one connection, and reconnects when the receiver dropped it", async () => {
    const receiver = await startStreamReceiver();
    cleanups.push(() => receiver.close());
    const [exporter] = build([
      { name: "tcp", type: "syslog", host: "127.0.0.1", port: receiver.port, settleMs: 0 },
    ]);
    await exporter!.handle([allowed]);
    await exporter!.handle([blocked]);
    await receiver.waitFor(2);
    expect(receiver.sockets.size).toBe(1);
    for (const socket of receiver.sockets) socket.destroy();
    await new Promise((r) => setTimeout(r, 50));
    await exporter!.handle([adminAction]);
    const messages = await receiver.waitFor(3);
    expect(messages[2]).toContain("key.suspended");
  });

  it("throws while the receiver is down (so a durable bus retries), and recovers when it is back", async () => {
    const receiver = await startStreamReceiver();
    const port = receiver.port;
    await receiver.close();
    const [exporter] = build([
      { name: "tcp", type: "syslog", host: "127.0.0.1", port, settleMs: 0, timeoutMs: 2000 },
    ]);
    await expect(exporter!.handle([allowed])).rejects.toThrow(
      /SIEM exporter "tcp" \(syslog\): .*ECONNREFUSED/,
    );
    expect(exporter!.stats()).toMatchObject({ sent: 0, failed: 1 });
    expect(exporter!.stats().lastErrorTime).toBeGreaterThan(0);
    const again = await startStreamReceiver({ port });
    cleanups.push(() => again.close());
    await exporter!.handle([allowed]);
    await again.waitFor(1);
    expect(exporter!.stats()).toMatchObject({ sent: 1, failed: 1 });
  });

  it("a batch written just before the receiver died is reported failed (settle window), not lost", async () => {
    const receiver = await startStreamReceiver();
    const [exporter] = build([
      { name: "tcp", type: "syslog", host: "127.0.0.1", port: receiver.port, settleMs: 200 },
    ]);
    await exporter!.handle([allowed]);
    const pending = exporter!.handle([blocked]);
    await new Promise((r) => setTimeout(r, 20));
    await receiver.close();
    // The write itself succeeded; the connection died within the settle window, so the batch is
    // reported failed (the one reconnect attempt is refused) and a durable bus will send it again.
    await expect(pending).rejects.toThrow(/ECONNREFUSED|lost|closed/);
    expect(exporter!.stats()).toMatchObject({ sent: 1, failed: 1 });
  });
});

describe("syslog over TLS (RFC 5425)", () => {
  it("verifies the receiver against the configured CA and delivers CEF", async () => {
    const { cert, key, certFile } = selfSignedCertificate();
    const receiver = await startStreamReceiver({ tls: { cert, key } });
    cleanups.push(() => receiver.close());
    const [trusted, untrusted] = build([
      {
        name: "tls",
        type: "cef",
        protocol: "tls",
        host: "127.0.0.1",
        port: receiver.port,
        tls: { ca: certFile, servername: "localhost" },
        settleMs: 0,
      },
      {
        name: "untrusted",
        type: "cef",
        protocol: "tls",
        host: "127.0.0.1",
        port: receiver.port,
        settleMs: 0,
      },
    ]);
    await trusted!.handle([blocked]);
    const [message] = await receiver.waitFor(1);
    const cef = parseCef(parseSyslog(message!).msg);
    expect(cef.deviceVersion).toBe("9.9.9");
    expect(cef.extension.cs1).toBe("req_0002");
    await expect(untrusted!.handle([blocked])).rejects.toThrow(/certificate/i);
  });
});

describe("syslog over UDP (RFC 5426)", () => {
  it("sends one datagram per message, within the 2048-octet default", async () => {
    const receiver = await startUdpReceiver();
    cleanups.push(() => receiver.close());
    const [syslog, cef] = build([
      { name: "udp", type: "syslog", protocol: "udp", host: "127.0.0.1", port: receiver.port },
      { name: "udpcef", type: "cef", protocol: "udp", host: "127.0.0.1", port: receiver.port },
    ]);
    await syslog!.handle([samples.hostile, allowed]);
    await cef!.handle([samples.hostile]);
    const messages = await receiver.waitFor(3);
    for (const message of messages) expect(Buffer.byteLength(message)).toBeLessThanOrEqual(2048);
    expect(messages.some((m) => m.includes("CEF:0|"))).toBe(true);
  });
});

describe("HTTP exporters (undici)", () => {
  it("ocsf: JSON lines with the Authorization from a secret and extra headers", async () => {
    const receiver = await startHttpReceiver();
    cleanups.push(() => receiver.close());
    const [exporter] = build(
      [
        {
          name: "lake",
          type: "ocsf",
          url: `${receiver.url}/ingest?stream=llm`,
          authorization: "env:OCSF_AUTH",
          headers: { "X-Tenant": "blue", "X-Api-Key": "env:OCSF_KEY" },
        },
      ],
      { "env:OCSF_AUTH": "Bearer t0k3n", "env:OCSF_KEY": "k3y" },
    );
    await exporter!.handle([allowed, blocked]);
    const [request] = receiver.requests;
    expect(request!.url).toBe("/ingest?stream=llm");
    expect(request!.headers.authorization).toBe("Bearer t0k3n");
    expect(request!.headers["x-api-key"]).toBe("k3y");
    expect(request!.headers["x-tenant"]).toBe("blue");
    expect(request!.headers["content-type"]).toBe("application/x-ndjson");
    const lines = request!.body
      .toString()
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.class_uid)).toEqual([6003, 6003, 2004, 2004]);
  });

  it("splunk_hec: /services/collector/event, Authorization: Splunk <token>, envelopes per record", async () => {
    const receiver = await startHttpReceiver();
    cleanups.push(() => receiver.close());
    const [exporter] = build(
      [{ name: "splunk", type: "splunk_hec", url: receiver.url, token: "env:HEC", index: "llm" }],
      { "env:HEC": "11111111-2222-3333-4444-555555555555" },
    );
    await exporter!.handle([blocked]);
    const [request] = receiver.requests;
    expect(request!.url).toBe("/services/collector/event");
    expect(request!.headers.authorization).toBe("Splunk 11111111-2222-3333-4444-555555555555");
    const envelopes = request!.body
      .toString()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(envelopes).toHaveLength(3);
    expect(envelopes[0]).toMatchObject({
      time: blocked.time / 1000,
      host: "gw.test",
      source: "portcullis",
      sourcetype: "portcullis:ocsf",
      index: "llm",
      fields: { severity: "critical", decision: "block" },
    });
  });

  it("splunk_hec: a large batch goes out as several bodies of at most 512 KiB, in order", async () => {
    const receiver = await startHttpReceiver();
    cleanups.push(() => receiver.close());
    const [exporter] = build([{ name: "splunk", type: "splunk_hec", url: receiver.url, token: "env:HEC" }], {
      "env:HEC": "t",
    });
    const batch = Array.from({ length: 200 }, (_, i) => ({
      ...samples.hostile,
      id: `id-${i}`,
      request_id: `r-${i}`,
    }));
    await exporter!.handle(batch);
    expect(receiver.requests.length).toBeGreaterThan(1);
    const ids: string[] = [];
    for (const request of receiver.requests) {
      expect(request.body.length).toBeLessThanOrEqual(512 * 1024);
      for (const line of request.body.toString().split("\n")) {
        const envelope = JSON.parse(line) as { event: { metadata: { correlation_uid: string } } };
        ids.push(envelope.event.metadata.correlation_uid);
      }
    }
    expect([...new Set(ids)]).toEqual(batch.map((e) => e.request_id));
  });

  it("splunk_hec: a refusal (503) fails the batch with the status, and the token stays out of the error", async () => {
    const receiver = await startHttpReceiver(() => 503);
    cleanups.push(() => receiver.close());
    const [exporter] = build([{ name: "splunk", type: "splunk_hec", url: receiver.url, token: "env:HEC" }], {
      "env:HEC": "secret-token-value",
    });
    const error = await exporter!.handle([allowed]).catch((e: Error) => e);
    expect(String(error)).toMatch(/answered 503/);
    expect(String(error)).not.toContain("secret-token-value");
    expect(exporter!.stats().lastError).not.toContain("secret-token-value");
  });

  it("webhook: signed body with timestamp, verifiable by the receiver", async () => {
    const receiver = await startHttpReceiver();
    cleanups.push(() => receiver.close());
    const [exporter] = build(
      [{ name: "hook", type: "webhook", url: `${receiver.url}/hook`, secret: "env:HOOK", format: "event" }],
      { "env:HOOK": "s3cr3t" },
    );
    await exporter!.handle([blocked]);
    const [request] = receiver.requests;
    const headers = {
      signature: request!.headers["x-portcullis-signature"] as string,
      timestamp: request!.headers["x-portcullis-timestamp"] as string,
    };
    expect(verifyWebhook("s3cr3t", headers, request!.body)).toBe(true);
    expect(verifyWebhook("wrong", headers, request!.body)).toBe(false);
    const body = JSON.parse(request!.body.toString());
    expect(body.format).toBe("event");
    expect(body.events[0].id).toBe(blocked.id);
    expect(JSON.stringify(body)).not.toContain("AKIA");
  });

  it("a receiver that never answers fails the batch after the timeout", async () => {
    const receiver = await startHttpReceiver(() => null);
    cleanups.push(() => receiver.close());
    const [exporter] = build([{ name: "stuck", type: "ocsf", url: receiver.url, timeoutMs: 300 }]);
    const started = Date.now();
    await expect(exporter!.handle([allowed])).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

describe("file exporter", () => {
  it("appends JSON lines, applying the filter", async () => {
    const { subscribers, dir } = buildExporters([
      { name: "all", type: "file", path: "out/all.jsonl" },
      {
        name: "severe",
        type: "file",
        path: "out/severe.jsonl",
        format: "event",
        filter: { minSeverity: "high" },
      },
    ]);
    const [all, severe] = subscribers;
    await all!.handle([allowed]);
    await all!.handle([blocked]);
    await severe!.handle([allowed, blocked, adminAction]);
    const lines = (file: string) =>
      readFileSync(join(dir, "out", file), "utf8")
        .trimEnd()
        .split("\n")
        .map((l) => JSON.parse(l));
    expect(lines("all.jsonl").map((r) => r.class_uid)).toEqual([6003, 6003, 2004, 2004]);
    expect(lines("severe.jsonl").map((r) => r.id)).toEqual([blocked.id]);
    expect(severe!.stats().sent).toBe(1);
  });
});

describe("subscriber shape", () => {
  it("asks the bus for a durable queue under <dataDir>/siem/<name>, named siem:<name>", () => {
    const { subscribers, dir } = buildExporters([
      { name: "f", type: "file", path: "x.jsonl", queue: { maxBytes: 2 * 1024 * 1024, maxAttempts: 7 } },
    ]);
    expect(subscribers[0]!.name).toBe("siem:f");
    expect(subscribers[0]!.durable).toEqual({
      dir: join(dir, "data", "siem", "f"),
      maxBytes: 2 * 1024 * 1024,
      maxAttempts: 7,
    });
    expect(subscribers[0]!.filter(allowed)).toBe(true);
  });

  it("a missing secret stops start-up, naming the setting", () => {
    expect(() =>
      buildExporters([{ name: "s", type: "splunk_hec", url: "http://127.0.0.1:1", token: "env:NOPE" }]),
    ).toThrow(/siem\.exporters\.s\.token/);
  });
});
