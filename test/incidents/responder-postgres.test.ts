import { afterAll, describe, expect, it } from "vitest";
import type { Actor, Playbook } from "../../src/incidents/index.js";
import { PG_SKIP_MESSAGE, PG_URL, postgresBackend } from "../store/backends.js";
import {
  blockedInjection,
  cleanupTmp,
  extraction,
  extractionRules,
  harness,
  injectionRule,
  T0,
} from "./helpers.js";

/**
 * The responder on PostgreSQL (skipped with a message without a server; required with CI=true):
 * two replicas sharing one database — a suspension expires once, a throttle made on one holds on
 * the other, and two admins stepping at once leave one transition.
 */

if (!PG_URL) console.warn(PG_SKIP_MESSAGE.replace("PostgreSQL store tests", "PostgreSQL responder tests"));

const admin: Actor = { keyId: "key_admin", keyName: "ops", team: "sec", role: "admin" };
const open: Playbook = { name: "open", on: {}, actions: [{ type: "open_incident" }] };

describe.skipIf(!PG_URL)("responder on PostgreSQL, two replicas", () => {
  const backend = postgresBackend();
  afterAll(async () => {
    await backend.cleanup();
    cleanupTmp();
  });

  it("throttle and suspension: made on one replica, held and ended once across both; lifecycle races have one winner", async () => {
    const db = await backend.fresh();
    const storeA = await db.open();
    const storeB = await db.open();
    const playbooks: Playbook[] = [
      open,
      {
        name: "slow",
        on: { types: ["prompt_injection"] },
        actions: [{ type: "throttle", limits: { requestsPerMinute: 5 }, duration: 60_000 }],
      },
      {
        name: "contain",
        on: { minSeverity: "critical" },
        actions: [{ type: "suspend_key", duration: 60_000 }],
      },
    ];
    const a = harness({ rules: [injectionRule, ...extractionRules], playbooks, store: storeA });
    const b = harness({ rules: [injectionRule, ...extractionRules], playbooks, store: storeB });
    try {
      await a.key("key_alice");
      await a.incidents.responder.handle([blockedInjection(0), blockedInjection(1), blockedInjection(2)]);
      await b.incidents.responder.sync();
      expect(b.tightened.get("key_alice")).toEqual({ requestsPerMinute: 5 });

      await b.incidents.responder.handle([extraction(0.99, 5)]);
      expect((await storeA.getKey("key_alice"))!.status).toBe("suspended");
      await a.incidents.responder.sync();
      a.clock.now = b.clock.now = T0 + 61_000;
      await Promise.all([a.incidents.responder.sync(), b.incidents.responder.sync()]);
      expect((await storeA.getKey("key_alice"))!.status).toBe("active");
      expect(a.tightened.get("key_alice")).toBeUndefined();
      expect(b.tightened.get("key_alice")).toBeUndefined();
      const ended = [...a.events, ...b.events].filter((e) => e.activity === "response.expired");
      // One throttle and one suspension, each ended exactly once between the two replicas.
      expect(ended.map((e) => e.details!.action_type).sort()).toEqual(["suspend_key", "throttle"]);

      const [incident] = (await storeA.incidents!.listIncidents({ limit: 10, type: "prompt_injection" }))
        .incidents;
      const results = await Promise.all([
        a.incidents.responder.resolve(incident!.id, admin, "a"),
        b.incidents.responder.acknowledge(incident!.id, { ...admin, keyName: "other" }, "b"),
      ]);
      const notes = (await a.incidents.responder.get(incident!.id))!.notes.filter((n) =>
        ["acknowledged", "resolved"].includes(n.kind),
      );
      // Either order is valid; what is never valid is a resolved incident acknowledged afterwards.
      const final = (await storeA.incidents!.getIncident(incident!.id))!;
      expect(final.status).toBe("resolved");
      expect(notes.length).toBe(results.filter((r) => r.ok).length);
    } finally {
      await a.close();
      await b.close();
      await storeA.close();
      await storeB.close();
    }
  });
});
