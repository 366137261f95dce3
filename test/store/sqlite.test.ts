import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { uuidv7, type SecurityEvent } from "../../src/events/index.js";
import { openSqliteStore } from "../../src/store/index.js";

function event(i: number, over: Partial<SecurityEvent> = {}): SecurityEvent {
  return {
    id: uuidv7(1_700_000_000_000 + i),
    time: 1_700_000_000_000 + i,
    class: "api_activity",
    activity: "chat.completions",
    severity: "info",
    actor: { key_id: i % 2 ? "key_odd" : "key_even", team: "t" },
    model: i % 3 ? "a" : "b",
    decision: { action: i % 5 === 0 ? "block" : "allow", monitor_only: false, reasons: [] },
    findings: [],
    ...over,
  };
}

describe("SQLite store", () => {
  const store = openSqliteStore(join(mkdtempSync(join(tmpdir(), "pcx-store-")), "p.db"));

  it("pages through events newest first with a cursor, with filters", async () => {
    await store.appendEvents(Array.from({ length: 250 }, (_, i) => event(i)));
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.queryEvents({ limit: 100, ...(cursor ? { cursor } : {}) });
      seen.push(...page.events.map((e) => e.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toHaveLength(250);
    expect([...seen].sort().reverse()).toEqual(seen);

    const blocked = await store.queryEvents({ limit: 500, decision: "block", keyId: "key_even" });
    expect(blocked.events.length).toBe(25);
    expect(blocked.events.every((e) => e.decision.action === "block" && e.actor.key_id === "key_even")).toBe(
      true,
    );
    const window = await store.queryEvents({
      limit: 500,
      since: 1_700_000_000_010,
      until: 1_700_000_000_020,
      model: "a",
    });
    expect(window.events.map((e) => e.time - 1_700_000_000_000).sort((a, b) => a - b)).toEqual([
      10, 11, 13, 14, 16, 17, 19,
    ]);
  });

  it("bumps the key version on every key write, so caches reload", async () => {
    const before = await store.keysVersion();
    const now = Date.now();
    await store.insertKey({
      id: "key_a",
      name: "a",
      team: "t",
      role: "user",
      models: ["*"],
      status: "active",
      hash: "00",
      prefix: "pcx_a…",
      createdAt: now,
      updatedAt: now,
      expiresAt: null,
    });
    expect(await store.keysVersion()).toBe(before + 1);
    const updated = await store.updateKey("key_a", { status: "suspended" });
    expect(updated?.status).toBe("suspended");
    expect(await store.keysVersion()).toBe(before + 2);
    expect(await store.updateKey("key_missing", { status: "revoked" })).toBeUndefined();
  });
});
