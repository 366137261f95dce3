import Database from "better-sqlite3";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { CLI, createKey, post, startGateway } from "../e2e/helpers/gateway.js";
import { tempDir } from "./helpers.js";

const run = promisify(execFile);

async function cli(args: string[]): Promise<{ code: number; stdout: string }> {
  try {
    const { stdout } = await run(process.execPath, [CLI, ...args]);
    return { code: 0, stdout };
  } catch (error) {
    const e = error as { code: number; stdout: string };
    return { code: e.code, stdout: e.stdout };
  }
}

/** Through the real binary: requests and admin actions go in, a clean stop signs, verify says intact. */
describe("audit log end to end", () => {
  it("records every event of a gateway run, admin actions included, and verifies intact after a stop", async () => {
    const checkpoints = join(tempDir(), "checkpoints.txt");
    const gateway = await startGateway({
      config: `
providers: { demo: { type: demo } }
models: [{ name: demo-chat, provider: demo }]
audit:
  origin: e2e.example/audit
  checkpoint: { everyEvents: 4, everySeconds: 3600 }
  export:
    file: { path: ${JSON.stringify(checkpoints)}, mode: append }
`,
    });
    try {
      const key = await createKey(gateway, { name: "e2e", models: ["*"] });
      for (let i = 0; i < 6; i++) {
        const res = await post(`${gateway.url}/v1/chat/completions`, key.key, {
          model: "demo-chat",
          messages: [{ role: "user", content: `hello ${i}` }],
        });
        expect(res.status).toBe(200);
      }
      expect(
        (await post(`${gateway.url}/v1/chat/completions`, "pcx_wrong", { model: "demo-chat" })).status,
      ).toBe(401);
      const suspended = await fetch(`${gateway.url}/admin/v1/keys/${key.id}/suspend`, {
        method: "POST",
        headers: { authorization: `Bearer ${gateway.adminKey}` },
      });
      expect(suspended.status).toBeLessThan(300);
      // While the gateway runs, a read-only verify works beside it.
      await new Promise((r) => setTimeout(r, 200));
      expect((await cli(["audit", "verify", "--data-dir", gateway.dataDir])).code).toBe(0);
    } finally {
      expect(await gateway.stop("SIGTERM")).toBe(0);
    }

    const result = await cli([
      "audit",
      "verify",
      "--data-dir",
      gateway.dataDir,
      "--checkpoint",
      checkpoints,
      "--format",
      "json",
    ]);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({ ok: true, origin: "e2e.example/audit", uncovered: 0 });
    // How many checkpoints the cadence signs depends on how the worker's batches fall (one batch
    // can carry all events on a loaded machine); what must hold is that every exported one verifies
    // and the last covers the whole log.
    expect(report.external.verified).toBeGreaterThanOrEqual(1);
    expect(report.external.verified).toBe(report.external.checked);
    expect(report.external.largest_size).toBe(report.size);

    // Every event the store holds is in the audit log, in full, admin actions included.
    const audit = new Database(join(gateway.dataDir, "audit.db"), { readonly: true });
    const records = (audit.prepare("SELECT leaf FROM leaves ORDER BY idx").pluck().all() as Buffer[]).map(
      (leaf) => JSON.parse(leaf.toString("utf8")).event as { id: string; class: string; activity: string },
    );
    audit.close();
    const store = new Database(join(gateway.dataDir, "portcullis.db"), { readonly: true });
    const stored = store.prepare("SELECT id FROM events ORDER BY id").pluck().all() as string[];
    store.close();
    expect(report.size).toBe(records.length);
    expect(records.map((r) => r.id).sort()).toEqual(stored);
    expect(records.filter((r) => r.class === "admin_activity").map((r) => r.activity)).toEqual(
      expect.arrayContaining(["key.created", "key.suspended"]),
    );
    expect(records.filter((r) => r.activity === "chat.completions").length).toBeGreaterThanOrEqual(6);
  });
});
