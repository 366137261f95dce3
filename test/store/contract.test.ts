import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import type { EventQuery, Store } from "../../src/store/index.js";
import {
  event,
  key,
  PG_SKIP_MESSAGE,
  PG_URL,
  postgresBackend,
  sqliteBackend,
  T0,
  type Backend,
  type Database,
} from "./backends.js";

/**
 * One contract, every backend: what the gateway, the CLI and the event queue rely on from a Store.
 * A backend passes these or it is not a Store.
 */
const backends: Backend[] = [sqliteBackend(), postgresBackend()];
if (!PG_URL) console.warn(PG_SKIP_MESSAGE);

async function allPages(store: Store, query: Omit<EventQuery, "cursor">): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await store.queryEvents({ ...query, ...(cursor ? { cursor } : {}) });
    expect(page.events.length).toBeLessThanOrEqual(query.limit);
    ids.push(...page.events.map((e) => e.id));
    cursor = page.nextCursor ?? undefined;
    if (++pages > 1000) throw new Error("paging does not end");
  } while (cursor);
  return ids;
}

for (const backend of backends) {
  describe.skipIf(backend.skip)(
    `Store contract: ${backend.name}${backend.skip ? " (skipped: no database)" : ""}`,
    () => {
      let db: Database;
      let store: Store;
      const opened: Store[] = [];
      const open = async () => {
        const s = await db.open();
        opened.push(s);
        return s;
      };

      beforeEach(async () => {
        db = await backend.fresh();
        store = await open();
      });
      afterEach(async () => {
        await Promise.all(opened.splice(0).map((s) => s.close()));
      });
      afterAll(() => backend.cleanup());

      describe("keys", () => {
        it("inserts, gets and lists keys exactly as given", async () => {
          const a = key("key_a", { createdAt: T0 + 2, models: ["gpt-4o", "claude"], expiresAt: T0 + 1e9 });
          const b = key("key_b", { createdAt: T0 + 1, role: "admin", team: "ops" });
          await store.insertKey(a);
          await store.insertKey(b);
          expect(await store.getKey("key_a")).toEqual(a);
          expect(await store.getKey("key_missing")).toBeUndefined();
          expect(await store.listKeys()).toEqual([b, a]);
          expect(store.kind).toBe(backend.name);
        });

        it("updates a key, bumping the version on every write and only then", async () => {
          const v0 = await store.keysVersion();
          const record = key("key_u");
          await store.insertKey(record);
          expect(await store.keysVersion()).toBe(v0 + 1);

          const updated = await store.updateKey("key_u", {
            status: "suspended",
            models: ["a"],
            expiresAt: T0,
            name: "renamed",
          });
          expect(updated).toMatchObject({
            status: "suspended",
            models: ["a"],
            expiresAt: T0,
            name: "renamed",
          });
          expect(updated!.updatedAt).toBeGreaterThanOrEqual(record.updatedAt);
          expect(await store.getKey("key_u")).toEqual(updated);
          expect(await store.keysVersion()).toBe(v0 + 2);

          // null clears an expiry; an absent field is left alone.
          expect(await store.updateKey("key_u", { expiresAt: null })).toMatchObject({
            expiresAt: null,
            name: "renamed",
          });
          expect(await store.keysVersion()).toBe(v0 + 3);
          expect(await store.updateKey("key_missing", { status: "revoked" })).toBeUndefined();
          expect(await store.keysVersion()).toBe(v0 + 3);
        });

        it("refuses a second key with the same hash, and the version does not move", async () => {
          const first = key("key_1");
          await store.insertKey(first);
          const version = await store.keysVersion();
          await expect(store.insertKey(key("key_2", { hash: first.hash }))).rejects.toThrow();
          await expect(store.insertKey(key("key_1"))).rejects.toThrow();
          expect(await store.keysVersion()).toBe(version);
          expect((await store.listKeys()).map((k) => k.id)).toEqual(["key_1"]);
        });
      });

      describe("events", () => {
        it("stores events exactly, newest first, and ignores a re-delivered batch", async () => {
          const events = Array.from({ length: 20 }, (_, i) => event(i));
          await store.appendEvents(events);
          await store.appendEvents(events.slice(5, 15)); // at-least-once delivery: the same batch again
          await store.appendEvents([]);
          const page = await store.queryEvents({ limit: 500 });
          expect(page.events).toEqual([...events].reverse());
          expect(page.nextCursor).toBeNull();
        });

        it("filters by time, key, team, decision, model and activity, alone and together", async () => {
          const events = Array.from({ length: 140 }, (_, i) => event(i));
          await store.appendEvents(events);
          const expectMatch = async (query: Omit<EventQuery, "limit">, keep: (i: number) => boolean) => {
            const expected = events
              .filter((_, i) => keep(i))
              .map((e) => e.id)
              .reverse();
            expect(expected.length).toBeGreaterThan(0);
            expect(await allPages(store, { ...query, limit: 500 })).toEqual(expected);
            // The same answer through small pages.
            expect(await allPages(store, { ...query, limit: 7 })).toEqual(expected);
          };
          await expectMatch({ since: T0 + 10 }, (i) => i >= 10);
          await expectMatch({ until: T0 + 10 }, (i) => i < 10);
          await expectMatch({ since: T0 + 10, until: T0 + 20 }, (i) => i >= 10 && i < 20);
          await expectMatch({ keyId: "key_odd" }, (i) => i % 2 === 1);
          await expectMatch({ team: "blue" }, (i) => i % 4 >= 2);
          await expectMatch({ decision: "block" }, (i) => i % 5 === 0);
          await expectMatch({ model: "b" }, (i) => i % 3 === 0);
          await expectMatch({ activity: "embeddings" }, (i) => i % 7 === 0);
          await expectMatch(
            { keyId: "key_even", decision: "block", model: "b", since: T0 + 5, until: T0 + 100, team: "red" },
            (i) => i % 2 === 0 && i % 5 === 0 && i % 3 === 0 && i >= 5 && i < 100 && i % 4 < 2,
          );
          const none = await store.queryEvents({ limit: 10, keyId: "key_nobody" });
          expect(none).toEqual({ events: [], nextCursor: null });
        });

        it("pages through everything with the cursor, each event once", async () => {
          const events = Array.from({ length: 250 }, (_, i) => event(i));
          await store.appendEvents(events);
          const first = await store.queryEvents({ limit: 100 });
          expect(first.events).toHaveLength(100);
          expect(first.nextCursor).toBe(first.events.at(-1)!.id);
          const ids = await allPages(store, { limit: 100 });
          expect(ids).toEqual(events.map((e) => e.id).reverse());
          // An exact multiple of the page size ends without an empty extra page.
          expect(await allPages(store, { limit: 125 })).toHaveLength(250);
          const last = await store.queryEvents({ limit: 50, cursor: events[50]!.id });
          expect(last.events.map((e) => e.id)).toEqual(
            events
              .slice(0, 50)
              .map((e) => e.id)
              .reverse(),
          );
          expect(last.nextCursor).toBeNull();
        });

        it("takes a large batch in one call", async () => {
          const events = Array.from({ length: 3000 }, (_, i) => event(i));
          await store.appendEvents(events);
          expect(await allPages(store, { limit: 500 })).toHaveLength(3000);
        });

        it("keeps hostile field values intact and still filters on them", async () => {
          const hostile = event(1, {
            model: "gpt\u0000-4|x=y\nz",
            actor: { key_id: "key_\u0000nul", team: "t\u00e9am \u{1F600}" },
            activity: "chat.completions",
            src_endpoint: { user_agent: "ua\u0000\ud800 '; DROP TABLE events; --" },
            findings: [
              {
                detector: "secrets",
                kind: "aws",
                category: "secret",
                severity: "high",
                score: 0.5,
                evidence: "AKIA…\\u0000",
              },
            ],
            details: { nested: { deep: [1, "two", null, { three: 3.25 }] } },
          });
          await store.appendEvents([hostile, event(2)]);
          const all = await store.queryEvents({ limit: 10 });
          expect(all.events.find((e) => e.id === hostile.id)).toEqual(hostile);
          const byModel = await store.queryEvents({ limit: 10, model: hostile.model! });
          expect(byModel.events.map((e) => e.id)).toEqual([hostile.id]);
          const byKey = await store.queryEvents({ limit: 10, keyId: "key_\u0000nul" });
          expect(byKey.events.map((e) => e.id)).toEqual([hostile.id]);
          const byTeam = await store.queryEvents({ limit: 10, team: "t\u00e9am \u{1F600}" });
          expect(byTeam.events.map((e) => e.id)).toEqual([hostile.id]);
        });
      });

      describe("two instances on one database (two replicas, or the CLI beside a gateway)", () => {
        it("see each other's key changes through the version and the list", async () => {
          const other = await open();
          const before = await other.keysVersion();
          await store.insertKey(key("key_shared"));
          expect(await other.keysVersion()).toBeGreaterThan(before);
          expect((await other.listKeys()).map((k) => k.id)).toEqual(["key_shared"]);

          const seen = await store.keysVersion();
          await other.updateKey("key_shared", { status: "revoked" });
          expect(await store.keysVersion()).toBeGreaterThan(seen);
          expect((await store.getKey("key_shared"))?.status).toBe("revoked");
        });

        it("concurrent writers lose nothing: every key write counted, every event stored", async () => {
          const other = await open();
          const v0 = await store.keysVersion();
          await Promise.all([
            ...Array.from({ length: 10 }, (_, i) => store.insertKey(key(`key_s${i}`))),
            ...Array.from({ length: 10 }, (_, i) => other.insertKey(key(`key_o${i}`))),
          ]);
          await Promise.all([
            ...Array.from({ length: 10 }, (_, i) => store.updateKey(`key_o${i}`, { status: "suspended" })),
            ...Array.from({ length: 10 }, (_, i) => other.updateKey(`key_s${i}`, { status: "suspended" })),
          ]);
          expect(await store.keysVersion()).toBe(v0 + 40);
          expect((await other.listKeys()).filter((k) => k.status === "suspended")).toHaveLength(20);

          const events = Array.from({ length: 400 }, (_, i) => event(i));
          await Promise.all([
            store.appendEvents(events.filter((_, i) => i % 2 === 0)),
            other.appendEvents(events.filter((_, i) => i % 2 === 1)),
            // Overlapping re-deliveries from both sides.
            store.appendEvents(events.slice(100, 200)),
            other.appendEvents(events.slice(150, 250)),
          ]);
          expect(await allPages(other, { limit: 500 })).toEqual(events.map((e) => e.id).reverse());
        });
      });
    },
  );
}
