import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { pino } from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { PayloadAdmin, createPayloadLogging, openKeyRing } from "../../src/app/payloads.js";
import { auditDbFile, loadAuditVerifier, openAuditLog, verifyAuditLog } from "../../src/audit/index.js";
import { payloadsSectionSchema } from "../../src/config/sections/payloads.js";
import { DAY_MS, PayloadSealer } from "../../src/crypto/envelope/index.js";
import type { EventBus, SecurityEvent } from "../../src/events/index.js";
import { createEngine } from "../../src/detect/index.js";
import { inspectableTexts } from "../../src/gateway/guards/extract.js";
import type { RequestContext } from "../../src/gateway/stages/types.js";
import type { Store } from "../../src/store/index.js";
import { postgresBackend, PG_SKIP_MESSAGE, sqliteBackend } from "../store/backends.js";

const silent = pino({ level: "silent" });

function bus() {
  const published: SecurityEvent[] = [];
  return { bus: { publish: (e: SecurityEvent) => void published.push(e) } as unknown as EventBus, published };
}

function requestContext(team: string, prompt: string): RequestContext {
  return {
    requestId: `req-${randomBytes(4).toString("hex")}`,
    api: "openai.chat",
    path: "/v1/chat/completions",
    shape: "openai",
    headers: {},
    rawBody: {},
    body: {
      messages: [
        { role: "system", content: "be nice" },
        { role: "user", content: prompt },
      ],
    },
    stream: false,
    requestedModel: "m",
    clientIp: "127.0.0.1",
    startedAt: 0,
    identity: {
      keyId: "key_1",
      keyName: "k",
      team,
      role: "user",
      models: ["*"],
    } as unknown as RequestContext["identity"],
    findings: [],
    decision: { action: "allow", reasons: [], monitorOnly: false },
    usage: { prompt_tokens: 0, completion_tokens: 0 },
  } as RequestContext;
}

function event(id: string, team: string): SecurityEvent {
  return {
    id,
    time: Date.now(),
    class: "api_activity",
    activity: "chat.completions",
    severity: "info",
    request_id: "r",
    actor: { key_id: "key_1", team },
    model: "m",
    decision: { action: "allow", monitor_only: false, reasons: [] },
    findings: [],
  };
}

let counter = 0;
const nextId = () => `0190c0de-0000-7000-8000-${String(++counter).padStart(12, "0")}`;

const AWS = "AKIAZ7QW3RT5YU2IO4PL";
const EMAIL = "margaret.hamilton@example.org";

for (const backend of [sqliteBackend(), postgresBackend()]) {
  describe.skipIf(backend.skip)(`payload store and administration (${backend.name})`, () => {
    if (backend.skip) console.warn(PG_SKIP_MESSAGE);
    afterAll(() => backend.cleanup());

    async function logging(store: Store, env: Record<string, string>, section: object, clock?: () => number) {
      const b = bus();
      const logging = await createPayloadLogging({
        section: payloadsSectionSchema.parse({ kek: { env: "KEK" }, ...section }),
        store,
        bus: b.bus,
        logger: silent,
        baseDir: ".",
        env,
        ...(clock ? { clock } : {}),
      });
      return { logging, published: b.published };
    }

    function record(
      l: Awaited<ReturnType<typeof logging>>["logging"],
      team: string,
      prompt: string,
      answer: string,
    ) {
      const ctx = requestContext(team, prompt);
      const inspector = l.stages[0]!.open(ctx)!;
      expect(inspector.write(0, answer.slice(0, 5))).toEqual({
        action: "continue",
        release: answer.slice(0, 5),
      });
      inspector.write(0, answer.slice(5));
      inspector.end(0);
      const id = nextId();
      return { ref: l.recorder!.record(ctx, event(id, team)), id };
    }

    it("records full and redacted payloads, reads them back, refuses a wrong KEK", async () => {
      const db = await backend.fresh();
      const store = await db.open();
      const k = randomBytes(32).toString("base64");
      const { logging: l } = await logging(
        store,
        { KEK: k },
        { mode: "full", teams: { masked: { mode: "redacted" } } },
      );
      const full = record(l, "red", `my key is ${AWS} and mail ${EMAIL}`, `echo: ${AWS} ${EMAIL}`);
      const masked = record(l, "masked", `my key is ${AWS} and mail ${EMAIL}`, `echo: ${AWS} ${EMAIL}`);
      expect(full.ref).toMatch(/^pl1\./);
      await l.close();
      expect(l.stats()).toMatchObject({ written: 2, dropped: 0, queued: 0 });

      const admin = new PayloadAdmin({ store, kek: Buffer.from(k, "base64") });
      const shown = await admin.show(full.ref!, { actor: "test", reason: "unit test" });
      expect(shown.document.request.map((r) => r.text)).toEqual([`my key is ${AWS} and mail ${EMAIL}`]);
      expect(shown.document.response[0]!.text).toBe(`echo: ${AWS} ${EMAIL}`);
      const red = (await admin.show(masked.ref!, { actor: "test", reason: "unit test" })).document;
      expect(red.mode).toBe("redacted");
      for (const t of [...red.request.map((r) => r.text), ...red.response.map((r) => r.text)]) {
        expect(t).not.toContain(AWS);
        expect(t).not.toContain(EMAIL);
      }
      expect(red.request[0]!.text).toContain("[EMAIL_1]");

      const wrong = new PayloadAdmin({ store, kek: randomBytes(32) });
      await expect(wrong.show(full.ref!, { actor: "test", reason: "unit test" })).rejects.toThrow(/KEK/);
      // Every read attempt is an admin event in the store, without the content.
      const reads = await store.queryEvents({ activity: "payload.read", limit: 10 });
      expect(reads.events.map((e) => e.details?.outcome).sort()).toEqual(["read", "read", "refused"]);
      expect(JSON.stringify(reads.events)).not.toContain(AWS);
      await store.close();
    });

    it("redacted mode reuses the guards' findings, and scans afresh when the guards' detectors miss pii or secrets", async () => {
      const db = await backend.fresh();
      const store = await db.open();
      const k = randomBytes(32).toString("base64");
      for (const detectors of [undefined, ["pii", "secrets"], ["injection"]]) {
        const b = bus();
        const l = await createPayloadLogging({
          section: payloadsSectionSchema.parse({ mode: "redacted", kek: { env: "KEK" } }),
          store,
          bus: b.bus,
          logger: silent,
          baseDir: ".",
          env: { KEK: k },
          guards: { enabled: true, ...(detectors ? { detectors } : {}) },
        });
        const ctx = requestContext("red", `mail ${EMAIL} key ${AWS}`);
        // What the inbound guard leaves on the context, from an engine with the configured detectors.
        const engine = createEngine(detectors ? { detectors } : {});
        const items = inspectableTexts(ctx.api, ctx.body);
        ctx.guard = {
          subject: { keyId: "key_1", team: "red", model: "m" },
          items,
          findings: items.flatMap((item) =>
            engine.scan(item.text, { context: item.direction }).map((finding) => ({
              finding,
              direction: item.direction,
              text: item.text,
              item,
            })),
          ),
          systemPrompt: "",
        } as unknown as RequestContext["guard"];
        l.stages[0]!.open(ctx)!.write(0, "ok");
        const ref = l.recorder!.record(ctx, event(nextId(), "red"));
        await l.close();
        const doc = (
          await new PayloadAdmin({ store, kek: Buffer.from(k, "base64") }).show(ref!, {
            actor: "t",
            reason: "redaction test",
          })
        ).document;
        expect(doc.request[0]!.text, String(detectors)).not.toContain(EMAIL);
        expect(doc.request[0]!.text, String(detectors)).not.toContain(AWS);
      }
      await store.close();
    });

    it("refuses to start with a KEK that matches no ring version", async () => {
      const db = await backend.fresh();
      const store = await db.open();
      const { logging: l } = await logging(store, { KEK: randomBytes(32).toString("hex") }, { mode: "full" });
      await l.close();
      await expect(
        logging(store, { KEK: randomBytes(32).toString("hex") }, { mode: "full" }),
      ).rejects.toThrow(/matches no version/);
      await expect(logging(store, {}, { mode: "full" })).rejects.toThrow(/KEK.*not set/);
      const dataDir = mkdtempSync(join(tmpdir(), "pcx-kek-beside-"));
      await expect(
        createPayloadLogging({
          section: payloadsSectionSchema.parse({ mode: "full", kek: { file: "secrets/kek" } }),
          store,
          bus: bus().bus,
          logger: silent,
          baseDir: dataDir,
          dataDir,
        }),
      ).rejects.toThrow(/inside the data directory/);
      await store.close();
    });

    it("rotates (same KEK and new KEK), rewraps online, and then needs only the new KEK", async () => {
      const db = await backend.fresh();
      const store = await db.open();
      const k1 = randomBytes(32);
      const { logging: l } = await logging(
        store,
        { KEK: k1.toString("base64") },
        { mode: "full", refreshSeconds: 1 },
      );
      const before = record(l, "red", "before rotation", "a1");
      await l.close();

      const same = await new PayloadAdmin({ store, kek: k1 }).rotate();
      expect(same).toMatchObject({ version: 2, newKek: false });
      const k2 = randomBytes(32);
      const rotated = await new PayloadAdmin({ store, kek: k2, previous: [k1] }).rotate({
        rewrap: true,
        batch: 1,
      });
      expect(rotated).toMatchObject({
        version: 3,
        newKek: true,
        rewrap: { version: 3, rewrapped: 1, locked: 0 },
      });

      // Only the new KEK now: the old payload is readable through its re-wrapped team key.
      const onlyNew = new PayloadAdmin({ store, kek: k2 });
      const status = await onlyNew.status();
      expect(status.current).toBe(3);
      expect(status.teamKeysByVersion).toEqual({ "3": 1 });
      expect(
        (await onlyNew.show(before.ref!, { actor: "t", reason: "rotation test" })).document.response[0]!.text,
      ).toBe("a1");

      // A gateway started with the new KEK writes under v3.
      const { logging: l2 } = await logging(store, { KEK: k2.toString("base64") }, { mode: "full" });
      const after = record(l2, "red", "after rotation", "a2");
      await l2.close();
      expect(
        (await onlyNew.show(after.ref!, { actor: "t", reason: "rotation test" })).document.request[0]!.text,
      ).toBe("after rotation");
      expect((await onlyNew.status()).teamKeysByVersion).toEqual({ "3": 2 });
      await store.close();
    });

    it("a running gateway picks up a rotation and keeps writing", async () => {
      const db = await backend.fresh();
      const store = await db.open();
      const k1 = randomBytes(32);
      const { logging: l } = await logging(
        store,
        { KEK: k1.toString("base64") },
        { mode: "full", refreshSeconds: 1 },
      );
      record(l, "red", "one", "1");
      await new PayloadAdmin({ store, kek: k1 }).rotate();
      await new Promise((r) => setTimeout(r, 1500));
      const second = record(l, "red", "two", "2");
      await l.close();
      const admin = new PayloadAdmin({ store, kek: k1 });
      expect((await admin.status()).teamKeysByVersion).toEqual({ "1": 1, "2": 1 });
      expect(
        (await admin.show(second.ref!, { actor: "t", reason: "refresh test" })).document.request[0]!.text,
      ).toBe("two");
      await store.close();
    });

    it("shreds by ref, by team and by date; retention shreds expired keys and reports", async () => {
      const db = await backend.fresh();
      const store = await db.open();
      const k = randomBytes(32);
      const admin = new PayloadAdmin({ store, kek: k });
      let now = Date.now() - 40 * DAY_MS;
      const { logging: l, published } = await logging(
        store,
        { KEK: k.toString("base64") },
        {
          mode: "full",
          retentionDays: 30,
          teams: { keep: { retentionDays: null }, short: { retentionDays: 1 } },
        },
        () => now,
      );
      const old = record(l, "red", "old red", "x");
      const oldKeep = record(l, "keep", "old keep", "x");
      now = Date.now() - 2 * DAY_MS;
      const shortOld = record(l, "short", "two days old", "x");
      now = Date.now();
      const fresh = record(l, "red", "fresh red", "x");
      const one = record(l, "blue", "one to shred", "x");
      const blue = record(l, "blue", "blue stays", "x");
      const gone = record(l, "gone", "team to shred", "x");
      await l.close();

      const who = { actor: "t", reason: "shred test" };
      expect(await admin.shred({ ref: one.ref! })).toMatchObject({ payloads: 1, teamKeys: 0 });
      await expect(admin.show(one.ref!, who)).rejects.toThrow(/crypto-shredded/);
      expect((await admin.show(blue.ref!, who)).document.request[0]!.text).toBe("blue stays");

      expect(await admin.shred({ team: "gone" })).toMatchObject({ payloads: 1, teamKeys: 1 });
      await expect(admin.show(gone.ref!, who)).rejects.toThrow(/crypto-shredded/);

      const report = await l.applyRetention();
      expect(report.teams).toMatchObject({
        red: { payloads: 1, teamKeys: 1 },
        short: { payloads: 1, teamKeys: 1 },
      });
      expect(report.teams.keep).toBeUndefined();
      await expect(admin.show(old.ref!, who)).rejects.toThrow(/crypto-shredded/);
      await expect(admin.show(shortOld.ref!, who)).rejects.toThrow(/crypto-shredded/);
      expect((await admin.show(oldKeep.ref!, who)).document.request[0]!.text).toBe("old keep");
      expect((await admin.show(fresh.ref!, who)).document.request[0]!.text).toBe("fresh red");
      const systemEvents = published.filter((e) => e.class === "system");
      expect(systemEvents).toHaveLength(1);
      expect(systemEvents[0]).toMatchObject({
        activity: "payload.retention",
        details: { payloads: 2, teamKeys: 2 },
      });
      // Nothing left to do the second time; by date shreds what remains before now.
      expect((await l.applyRetention()).payloads).toBe(0);
      expect(await admin.shred({ before: Date.now() - 10 * DAY_MS })).toMatchObject({
        payloads: 1,
        teamKeys: 1,
      });
      await expect(admin.show(oldKeep.ref!, who)).rejects.toThrow(/crypto-shredded/);
      await store.close();
    });

    if (backend.name === "sqlite") {
      it("shredding leaves no key or ciphertext bytes in the database files (WAL included), and the audit log still verifies", async () => {
        const db = await backend.fresh();
        const store = await db.open();
        const k = randomBytes(32);
        const ring = await openKeyRing(store.payloads!, [k], k, true);
        const sealer = new PayloadSealer(ring);
        const dataDir = dirname(db.name);
        const audit = openAuditLog({
          dataDir,
          settings: {
            origin: "test.example/pl",
            checkpoint: { everyEvents: 2, everySeconds: 3600 },
            export: {},
          },
        });
        const sealed = [1, 2, 3].map(() => {
          const s = sealer.seal({ id: nextId(), team: "victim", mode: "full", plaintext: randomBytes(600) });
          return s;
        });
        await store.payloads!.writePayloads(
          sealed.flatMap((s) => (s.newTeamKey ? [s.newTeamKey] : [])),
          sealed.map((s) => s.payload),
        );
        audit.append(sealed.map((s) => ({ ...event(s.payload.id, "victim"), payload_ref: s.ref })));
        await audit.close();

        const secrets = [
          sealed[0]!.newTeamKey!.wrapped,
          ...sealed.flatMap((s) => [s.payload.wrappedDek, s.payload.ciphertext]),
        ];
        const files = () =>
          readdirSync(dataDir)
            .filter((f) => f.startsWith("portcullis.db"))
            .map((f) => readFileSync(join(dataDir, f)));
        const hits = () => secrets.filter((s) => files().some((f) => f.includes(s.subarray(1, 33)))).length;
        expect(hits()).toBe(secrets.length);

        const done = await new PayloadAdmin({ store, kek: k }).shred({ team: "victim" });
        expect(done).toEqual({ payloads: 3, teamKeys: 1, compacted: true });
        expect(hits()).toBe(0);

        const verified = verifyAuditLog({ file: auditDbFile(dataDir), verifier: loadAuditVerifier(dataDir) });
        expect(verified.ok).toBe(true);
        expect(verified.size).toBe(3);
        await store.close();
      });
    }
  });
}
