import Database from "better-sqlite3";
import { createServer as createHttpServer } from "node:http";
import { createSocket } from "node:dgram";
import { createServer as createTcpServer, type AddressInfo } from "node:net";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  AuditLogError,
  auditDbFile,
  hashLeaf,
  encodeLeaf,
  openAuditLog,
  openCheckpoint,
  splitNotes,
  subtreeRoot,
  verifyAuditLog,
  type CheckpointExporter,
} from "../../src/audit/index.js";
import { createWebhookExporter, webhookSignature, SIGNATURE_HEADER } from "../../src/audit/export/webhook.js";
import { formatSyslogMessage, createSyslogExporter } from "../../src/audit/export/syslog.js";
import { loadVerifier, signingKeyFiles } from "../../src/crypto/signing/index.js";
import { EventBus } from "../../src/events/index.js";
import { attack, buildLog, ORIGIN, sampleEvent, settings, tempDir } from "./helpers.js";

const verifierOf = (dataDir: string) => loadVerifier(signingKeyFiles(dataDir).publicKey);

function storedCheckpointSizes(dataDir: string): number[] {
  const db = new Database(auditDbFile(dataDir), { readonly: true });
  const sizes = db.prepare("SELECT size FROM checkpoints ORDER BY id").pluck().all() as number[];
  db.close();
  return sizes;
}

afterEach(() => {
  vi.useRealTimers();
});

describe("the audit log", () => {
  it("appends records, keeps the root incrementally and signs a checkpoint every N records and at close", async () => {
    const dataDir = tempDir();
    const log = openAuditLog({ dataDir, settings: settings() });
    expect(log.origin).toBe(ORIGIN);
    for (let i = 0; i < 12; i++) log.append([sampleEvent(i)]);
    const expected = subtreeRoot(
      Array.from({ length: 12 }, (_, i) => hashLeaf(encodeLeaf(sampleEvent(i), i))),
      0,
      12,
    );
    expect(log.size).toBe(12);
    expect(log.root().equals(expected)).toBe(true);
    expect(log.stats()).toMatchObject({ size: 12, checkpoints: 2, lastCheckpointSize: 10 });
    await log.close();
    expect(storedCheckpointSizes(dataDir)).toEqual([5, 10, 12]);
    expect(() => log.append([sampleEvent(99)])).toThrow(AuditLogError);
    expect(verifyAuditLog({ file: auditDbFile(dataDir), verifier: verifierOf(dataDir) })).toMatchObject({
      ok: true,
      size: 12,
      root: expected.toString("base64"),
      uncovered: 0,
    });
  });

  it("a batch counts as one step of the cadence", async () => {
    const dataDir = tempDir();
    const log = openAuditLog({ dataDir, settings: settings() });
    log.append(Array.from({ length: 7 }, (_, i) => sampleEvent(i)));
    log.append([sampleEvent(7)]);
    await log.close();
    expect(storedCheckpointSizes(dataDir)).toEqual([7, 8]);
  });

  it("signs a checkpoint T seconds after the first record not yet covered", async () => {
    vi.useFakeTimers();
    const dataDir = tempDir();
    const log = openAuditLog({
      dataDir,
      settings: settings({ checkpoint: { everyEvents: 1000, everySeconds: 30 } }),
    });
    log.append([sampleEvent(0)]);
    vi.advanceTimersByTime(20_000);
    log.append([sampleEvent(1)]);
    expect(log.stats().checkpoints).toBe(0);
    vi.advanceTimersByTime(10_000);
    expect(log.stats()).toMatchObject({ checkpoints: 1, lastCheckpointSize: 2 });
    vi.advanceTimersByTime(120_000); // nothing new: no checkpoint
    expect(log.stats().checkpoints).toBe(1);
    vi.useRealTimers();
    await log.close();
    expect(storedCheckpointSizes(dataDir)).toEqual([2]);
  });

  it("reopens where it left off, with the same origin and key", async () => {
    const { dataDir } = await buildLog(6);
    const pub = readFileSync(signingKeyFiles(dataDir).publicKey, "utf8");
    const log = openAuditLog({ dataDir, settings: settings({ origin: undefined }) });
    expect(log.origin).toBe(ORIGIN);
    expect(log.size).toBe(6);
    log.append([sampleEvent(6)]);
    await log.close();
    expect(readFileSync(signingKeyFiles(dataDir).publicKey, "utf8")).toBe(pub);
    expect(verifyAuditLog({ file: auditDbFile(dataDir), verifier: verifierOf(dataDir) }).ok).toBe(true);
  });

  it("refuses a configured origin that differs from the log's, before touching the key", async () => {
    const { dataDir } = await buildLog(1);
    const pub = readFileSync(signingKeyFiles(dataDir).publicKey, "utf8");
    expect(() => openAuditLog({ dataDir, settings: settings({ origin: "other.example/log" }) })).toThrow(
      /has origin "test.example\/audit".*fixed when it is created/,
    );
    expect(readFileSync(signingKeyFiles(dataDir).publicKey, "utf8")).toBe(pub);
  });

  it("chooses a random origin when none is configured", async () => {
    const dataDir = tempDir();
    const log = openAuditLog({ dataDir, settings: settings({ origin: undefined }) });
    expect(log.origin).toMatch(/\/portcullis-audit\/[0-9a-f]{8}$/);
    await log.close();
  });

  it("appends everything the event bus delivers, admin events included, off the publishing call", async () => {
    const dataDir = tempDir();
    const log = openAuditLog({ dataDir, settings: settings() });
    const bus = new EventBus();
    bus.subscribe(log.subscriber);
    for (let i = 0; i < 50; i++) bus.publish(sampleEvent(i));
    expect(log.size).toBe(0); // publish never runs a subscriber synchronously
    expect(await bus.drain()).toBe(true);
    expect(log.size).toBe(50);
    await log.close();
    const db = new Database(auditDbFile(dataDir), { readonly: true });
    const activities = (db.prepare("SELECT leaf FROM leaves ORDER BY idx").pluck().all() as Buffer[]).map(
      (l) => JSON.parse(l.toString()).event.activity,
    );
    db.close();
    expect(activities.filter((a) => a === "key.created").length).toBe(7);
  });

  it("refuses to sign again when records were removed while it was down", async () => {
    const { dataDir } = await buildLog(10);
    attack(dataDir, (db) => db.exec("DELETE FROM leaves WHERE idx >= 8"));
    const errors: string[] = [];
    const logger = { info() {}, warn() {}, error: (_o: object, msg: string) => void errors.push(msg) };
    const log = openAuditLog({ dataDir, settings: settings(), logger });
    expect(log.stats().signingRefused).toMatch(/records/);
    log.append(Array.from({ length: 6 }, (_, i) => sampleEvent(100 + i)));
    await log.close();
    expect(storedCheckpointSizes(dataDir)).toEqual([5, 10]);
    expect(errors.some((e) => /no new checkpoints will be signed/.test(e))).toBe(true);
  });

  it("a failing export target is counted and logged, and never blocks appends", async () => {
    const dataDir = tempDir();
    const failing: CheckpointExporter = {
      name: "broken",
      export: () => Promise.reject(new Error("receiver down")),
    };
    const hanging: CheckpointExporter = { name: "slow", export: () => new Promise<void>(() => undefined) };
    const warnings: string[] = [];
    const logger = { info() {}, error() {}, warn: (_o: object, msg: string) => void warnings.push(msg) };
    const { AuditLog } = await import("../../src/audit/log.js");
    const { loadOrCreateSigner } = await import("../../src/crypto/signing/index.js");
    const log = new AuditLog({
      file: auditDbFile(dataDir),
      signer: loadOrCreateSigner(dataDir, ORIGIN),
      cadence: { everyEvents: 1, everySeconds: 60 },
      exporters: [failing, hanging],
      logger,
      closeTimeoutMs: 100,
    });
    for (let i = 0; i < 40; i++) log.append([sampleEvent(i)]);
    await new Promise((r) => setTimeout(r, 20));
    expect(log.size).toBe(40);
    // 40 checkpoints signed in one go: one export in flight, 16 waiting, the other 23 superseded
    // by newer checkpoints (each covers all before it) and counted as skipped.
    expect(log.stats().exporters.broken).toMatchObject({ failed: 17, skipped: 23, exported: 0 });
    expect(log.stats().exporters.slow).toMatchObject({ exported: 0, skipped: 23 });
    await log.close();
    expect(warnings.filter((w) => /export failed/.test(w)).length).toBe(17);
    expect(warnings.some((w) => /still pending at shutdown/.test(w))).toBe(true);
  });
});

describe("checkpoint export targets", () => {
  it("file, append: every checkpoint, one after the other, readable by verify", async () => {
    const path = join(tempDir(), "checkpoints.txt");
    const { dataDir } = await buildLog(12, { export: { file: { path, mode: "append" } } });
    const notes = splitNotes(readFileSync(path, "utf8"));
    expect(notes.map((n) => openCheckpoint(n, verifierOf(dataDir)).size)).toEqual([5, 10, 12]);
  });

  it("file, latest: only the newest, replaced atomically", async () => {
    const path = join(tempDir(), "latest.txt");
    const { dataDir } = await buildLog(12, { export: { file: { path, mode: "latest" } } });
    expect(
      splitNotes(readFileSync(path, "utf8")).map((n) => openCheckpoint(n, verifierOf(dataDir)).size),
    ).toEqual([12]);
    expect(existsSync(`${path}.${process.pid}.0.tmp`)).toBe(false);
  });

  it("webhook: POSTs JSON with an HMAC-SHA-256 signature of the body", async () => {
    const received: { body: string; signature: string | undefined }[] = [];
    const server = createHttpServer((req, res) => {
      let body = "";
      req.on("data", (d) => (body += d));
      req.on("end", () => {
        received.push({ body, signature: req.headers[SIGNATURE_HEADER] as string | undefined });
        res.writeHead(received.length === 1 ? 500 : 204).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    try {
      process.env.PCX_TEST_HOOK_SECRET = "s3cret";
      const dataDir = tempDir();
      const warnings: string[] = [];
      const log = openAuditLog({
        dataDir,
        settings: settings({
          export: { webhook: { url, hmacSecret: "env:PCX_TEST_HOOK_SECRET", timeoutMs: 2000 } },
        }),
        resolveSecret: (ref) => process.env[ref.slice(4)]!,
        logger: { info() {}, error() {}, warn: (_o, m) => void warnings.push(m) },
      });
      for (let i = 0; i < 10; i++) log.append([sampleEvent(i)]);
      await log.close();
      expect(received).toHaveLength(2);
      expect(log.stats().exporters.webhook).toMatchObject({ exported: 1, failed: 1 });
      expect(warnings.some((w) => /export failed/.test(w))).toBe(true);
      for (const r of received) expect(r.signature).toBe(webhookSignature("s3cret", r.body));
      const body = JSON.parse(received[1]!.body);
      expect(body).toMatchObject({ type: "portcullis.audit.checkpoint", origin: ORIGIN, size: 10 });
      expect(openCheckpoint(body.checkpoint, verifierOf(dataDir)).size).toBe(10);
    } finally {
      server.close();
      delete process.env.PCX_TEST_HOOK_SECRET;
    }
  });

  it("webhook: no signature header without a secret", async () => {
    let header: string | undefined = "unset";
    const server = createHttpServer((req, res) => {
      header = req.headers[SIGNATURE_HEADER] as string | undefined;
      req.resume();
      req.on("end", () => res.writeHead(200).end());
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as AddressInfo).port;
    const { dataDir } = await buildLog(1);
    const { loadOrCreateSigner } = await import("../../src/crypto/signing/index.js");
    const { signCheckpoint } = await import("../../src/audit/checkpoint.js");
    const cp = signCheckpoint(loadOrCreateSigner(dataDir, ORIGIN), 1, Buffer.alloc(32));
    await createWebhookExporter({ url: `http://127.0.0.1:${port}/`, timeoutMs: 2000 }).export(cp);
    server.close();
    expect(header).toBeUndefined();
  });

  it("syslog: RFC 5424 over UDP, one datagram per checkpoint", async () => {
    const socket = createSocket("udp4");
    const messages: string[] = [];
    socket.on("message", (m) => messages.push(m.toString("utf8")));
    await new Promise<void>((r) => socket.bind(0, "127.0.0.1", r));
    const port = socket.address().port;
    const { dataDir } = await buildLog(5, {
      export: { syslog: { host: "127.0.0.1", port, protocol: "udp" } },
    });
    for (let i = 0; i < 50 && messages.length < 1; i++) await new Promise((r) => setTimeout(r, 10));
    socket.close();
    expect(messages).toHaveLength(1);
    const message = messages[0]!;
    expect(message).toMatch(
      /^<110>1 \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z \S+ portcullis \d+ checkpoint \[checkpoint@32473 origin="test\.example\/audit" size="5" root="[A-Za-z0-9+/=]{44}" signature="— test\.example\/audit [A-Za-z0-9+/=]+"\] \uFEFF/,
    );
    const note = message.slice(message.indexOf("\uFEFF") + 1);
    expect(openCheckpoint(note, verifierOf(dataDir)).size).toBe(5);
  });

  it("syslog: RFC 6587 octet counting over TCP", async () => {
    const frames: string[] = [];
    let buffer = Buffer.alloc(0);
    const server = createTcpServer((conn) => {
      conn.on("data", (d) => {
        buffer = Buffer.concat([buffer, d]);
        for (;;) {
          const space = buffer.indexOf(0x20);
          if (space < 0) break;
          const length = Number(buffer.subarray(0, space).toString());
          if (buffer.length < space + 1 + length) break;
          frames.push(buffer.subarray(space + 1, space + 1 + length).toString("utf8"));
          buffer = buffer.subarray(space + 1 + length);
        }
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as AddressInfo).port;
    const { dataDir } = await buildLog(12, {
      export: { syslog: { host: "127.0.0.1", port, protocol: "tcp" } },
    });
    for (let i = 0; i < 100 && frames.length < 3; i++) await new Promise((r) => setTimeout(r, 10));
    server.close();
    expect(frames).toHaveLength(3);
    expect(
      frames.map((f) => openCheckpoint(f.slice(f.indexOf("\uFEFF") + 1), verifierOf(dataDir)).size),
    ).toEqual([5, 10, 12]);
  });

  it("syslog: reconnects over TCP after the receiver dropped the connection", async () => {
    const received: string[] = [];
    const connections = new Set<import("node:net").Socket>();
    const server = createTcpServer((conn) => {
      connections.add(conn);
      conn.on("data", (d) => received.push(d.toString("utf8")));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as AddressInfo).port;
    const exporter = createSyslogExporter({ host: "127.0.0.1", port, protocol: "tcp", timeoutMs: 1000 });
    const { signCheckpoint } = await import("../../src/audit/checkpoint.js");
    const { generateSigner } = await import("../../src/crypto/signing/index.js");
    const { signer } = generateSigner("o");
    await exporter.export(signCheckpoint(signer, 1, Buffer.alloc(32)));
    for (let i = 0; i < 100 && received.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    for (const c of connections) c.destroy();
    // Give the exporter time to see the connection close (a write racing the FIN is lost: the next
    // checkpoint, which covers it, goes out on the new connection).
    await new Promise((r) => setTimeout(r, 200));
    await exporter.export(signCheckpoint(signer, 2, Buffer.alloc(32)));
    for (let i = 0; i < 100 && received.join("").split("checkpoint@32473").length < 3; i++)
      await new Promise((r) => setTimeout(r, 10));
    await exporter.close?.();
    server.close();
    expect(connections.size).toBe(2);
    expect(received.join("")).toMatch(/size="1"[\s\S]*size="2"/);
  });

  it("syslog: a receiver that is down is a counted failure", async () => {
    const exporter = createSyslogExporter({ host: "127.0.0.1", port: 1, protocol: "tcp", timeoutMs: 500 });
    const { signCheckpoint } = await import("../../src/audit/checkpoint.js");
    const { generateSigner } = await import("../../src/crypto/signing/index.js");
    const cp = signCheckpoint(generateSigner("o").signer, 1, Buffer.alloc(32));
    await expect(exporter.export(cp)).rejects.toThrow();
    await exporter.close?.();
  });

  it("syslog: structured data values are escaped", () => {
    const cp = {
      origin: 'we"ird]\\origin',
      size: 1,
      root: Buffer.alloc(32),
      note: `we"ird]\\origin\n1\n${Buffer.alloc(32).toString("base64")}\n\n— x AAAA\n`,
    };
    const message = formatSyslogMessage(cp, new Date(0), "host name");
    expect(message).toContain('origin="we\\"ird\\]\\\\origin"');
    expect(message).toContain(" hostname portcullis ");
  });
});
