import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { EventBus } from "../../src/events/index.js";
import { loadVerifier, signingKeyFiles } from "../../src/crypto/signing/index.js";
import { buildLog, sampleEvent, settings, tempDir } from "./helpers.js";

/** The compiled module (`npm run build`): the worker thread needs the compiled worker.js. */
type AuditModule = typeof import("../../src/audit/index.js");
const dist = pathToFileURL(join(import.meta.dirname, "../../dist/src/audit/index.js")).href;
const load = () => import(dist) as Promise<AuditModule>;

describe("the audit log in its own thread", () => {
  it("appends what the bus delivers, off the event loop, and closes with a checkpoint", async () => {
    const audit = await load();
    const dataDir = tempDir();
    const log = await audit.startAuditLog({ dataDir, settings: settings() });
    expect(log.mode).toBe("thread");
    expect(log.origin).toBe("test.example/audit");
    const bus = new EventBus();
    bus.subscribe(log.subscriber);
    for (let i = 0; i < 203; i++) bus.publish(sampleEvent(i));
    expect(await bus.drain()).toBe(true);
    // One batch of 203 (the bus batches up to 1000): one checkpoint when the cadence (5) is passed.
    expect(await log.stats()).toMatchObject({ size: 203, checkpoints: 1, lastCheckpointSize: 203 });
    await log.close();
    const report = audit.verifyAuditLog({
      file: audit.auditDbFile(dataDir),
      verifier: loadVerifier(signingKeyFiles(dataDir).publicKey),
    });
    expect(report).toMatchObject({ ok: true, size: 203, uncovered: 0 });
    expect(report.checkpoints.latestSize).toBe(203);
  });

  it("refuses to start, with the log's own message, when the origin does not match", async () => {
    const audit = await load();
    const { dataDir } = await buildLog(1);
    await expect(
      audit.startAuditLog({ dataDir, settings: settings({ origin: "other.example/log" }) }),
    ).rejects.toThrow(/has origin "test.example\/audit"/);
  });

  it("relays its log lines to the main thread's logger and resolves secrets there", async () => {
    const audit = await load();
    const lines: string[] = [];
    const logger = { info() {}, error() {}, warn: (_o: object, msg: string) => void lines.push(msg) };
    const log = await audit.startAuditLog({
      dataDir: tempDir(),
      settings: settings({
        export: { webhook: { url: "http://127.0.0.1:1/", hmacSecret: "env:X", timeoutMs: 500 } },
      }),
      resolveSecret: () => "secret",
      logger,
    });
    await log.subscriber.handle([sampleEvent(0)]);
    await log.close();
    expect(lines.some((l) => /export failed/.test(l))).toBe(true);
    await expect(
      audit.startAuditLog({
        dataDir: tempDir(),
        settings: settings({
          export: { webhook: { url: "http://127.0.0.1:1/", hmacSecret: "env:X", timeoutMs: 500 } },
        }),
      }),
    ).rejects.toThrow(/no secret resolver/);
  });

  it("an idle log thread does not keep the process alive; an awaited answer does", async () => {
    const { execFile } = await import("node:child_process");
    const { promisify } = await import("node:util");
    const script = `
      const audit = await import(${JSON.stringify(dist)});
      const log = await audit.startAuditLog({ dataDir: ${JSON.stringify(tempDir())}, settings: ${JSON.stringify(settings())} });
      await log.subscriber.handle([${JSON.stringify(sampleEvent(0))}]);
      console.log((await log.stats()).size);
      // not closed: the process must still exit on its own`;
    const { writeFileSync } = await import("node:fs");
    const file = join(tempDir(), "idle.mjs");
    writeFileSync(file, script);
    const { stdout } = await promisify(execFile)(process.execPath, [file], { timeout: 15_000 });
    expect(stdout.trim()).toBe("1");
  });

  it("runs inline when started from the sources", async () => {
    const { startAuditLog } = await import("../../src/audit/index.js");
    const log = await startAuditLog({ dataDir: tempDir(), settings: settings() });
    expect(log.mode).toBe("inline");
    await log.close();
  });
});
