import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createPayloadLogging } from "../../src/app/payloads.js";
import { cryptoRotate, cryptoShow, cryptoShred, cryptoStatus } from "../../src/cli/commands/crypto/index.js";
import { CliError } from "../../src/cli/errors.js";
import { payloadsSectionSchema } from "../../src/config/sections/payloads.js";
import type { EventBus } from "../../src/events/index.js";
import type { RequestContext } from "../../src/gateway/stages/types.js";
import { openSqliteStore } from "../../src/store/index.js";

/** The `portcullis crypto` commands as functions (STYLE.md §9), on a real data directory. */
describe("portcullis crypto commands", () => {
  const out: string[] = [];
  afterEach(() => {
    vi.restoreAllMocks();
    out.length = 0;
  });
  const capture = () =>
    vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
      out.push(String(chunk));
      return true;
    });
  const lastJson = () => JSON.parse(out.join("")) as Record<string, unknown>;

  it("status, rotate to a new KEK with rewrap, show with the new KEK only, shred", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "pcx-crypto-cli-"));
    const oldKek = randomBytes(32).toString("base64");
    const newKek = randomBytes(32).toString("hex");
    process.env.PCX_CLI_OLD = oldKek;
    process.env.PCX_CLI_NEW = newKek;
    const store = openSqliteStore(join(dataDir, "portcullis.db"));
    const logging = await createPayloadLogging({
      section: payloadsSectionSchema.parse({ mode: "full", kek: { env: "PCX_CLI_OLD" } }),
      store,
      bus: { publish() {} } as unknown as EventBus,
      logger: pino({ level: "silent" }),
      baseDir: dataDir,
    });
    const ctx = {
      api: "openai.chat",
      body: { messages: [{ role: "user", content: "the launch code is 0000" }] },
      identity: { team: "ops", keyId: "k1" },
      requestId: "r1",
    } as unknown as RequestContext;
    const ref = logging.recorder!.record(ctx, {
      id: "0190c0de-0000-7000-8000-00000000cafe",
      time: Date.now(),
      class: "api_activity",
      activity: "chat.completions",
      severity: "info",
      actor: { key_id: "k1", team: "ops" },
      decision: { action: "allow", monitor_only: false, reasons: [] },
      findings: [],
    })!;
    await logging.close();
    await store.close();
    const target = { dataDir, format: "json" as const };

    capture();
    expect(await cryptoStatus({ ...target, kekEnv: "PCX_CLI_OLD" })).toBe(0);
    expect(lastJson()).toMatchObject({ current: 1, payloads: 1, teamKeysByVersion: { "1": 1 } });
    out.length = 0;

    // Without the old KEK the rewrap cannot open version 1: exit 1, nothing lost.
    expect(await cryptoRotate({ ...target, kekEnv: "PCX_CLI_NEW", rewrap: true })).toBe(1);
    expect(lastJson()).toMatchObject({
      version: 2,
      newKek: true,
      locked: [1],
      rewrap: { rewrapped: 0, locked: 1 },
    });
    out.length = 0;
    expect(
      await cryptoRotate({ ...target, kekEnv: "PCX_CLI_NEW", oldKekEnv: "PCX_CLI_OLD", rewrap: true }),
    ).toBe(0);
    expect(lastJson()).toMatchObject({ version: 3, newKek: false, rewrap: { rewrapped: 1, locked: 0 } });
    out.length = 0;

    expect(await cryptoShow({ ...target, ref, reason: "cli test", kekEnv: "PCX_CLI_NEW" })).toBe(0);
    expect((lastJson().payload as { request: { text: string }[] }).request[0]!.text).toBe(
      "the launch code is 0000",
    );
    out.length = 0;

    await expect(cryptoShred({ ...target })).rejects.toThrow(CliError);
    await expect(cryptoShred({ ...target, before: "last tuesday" })).rejects.toThrow(/ISO-8601/);
    await expect(
      cryptoShow({ ...target, ref: "nope", reason: "cli test", kekEnv: "PCX_CLI_NEW" }),
    ).rejects.toMatchObject({ exitCode: 2, message: expect.stringContaining("not a payload_ref") });
    await expect(cryptoShred({ ...target, ref: "pl1.nope" })).rejects.toMatchObject({ exitCode: 2 });
    expect(await cryptoShred({ ...target, ref })).toBe(0);
    expect(lastJson()).toMatchObject({ payloads: 1, teamKeys: 0 });
    const shown = cryptoShow({ ...target, ref, reason: "cli test", kekEnv: "PCX_CLI_NEW" });
    await expect(shown).rejects.toMatchObject({
      exitCode: 1,
      message: expect.stringContaining("crypto-shredded"),
    });
    await expect(cryptoStatus({ ...target, dataDir: join(dataDir, "nope") })).rejects.toThrow(/no store/);

    // Every change and read left an admin event (never a payload's content) in the store.
    const after = openSqliteStore(join(dataDir, "portcullis.db"));
    const events = (await after.queryEvents({ limit: 50 })).events.filter(
      (e) => e.class === "admin_activity",
    );
    await after.close();
    const activities = events.map((e) => e.activity).sort();
    expect(activities).toEqual([
      "payload.key_rotated",
      "payload.key_rotated",
      "payload.keys_rewrapped",
      "payload.keys_rewrapped",
      "payload.read",
      "payload.read",
      "payload.read",
      "payload.shredded",
    ]);
    expect(events.every((e) => e.actor.key_name?.startsWith("cli:"))).toBe(true);
    expect(JSON.stringify(events)).not.toContain("launch code");
  });
});
