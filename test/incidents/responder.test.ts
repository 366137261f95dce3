import { afterEach, describe, expect, it } from "vitest";
import type { Actor, Playbook } from "../../src/incidents/index.js";
import {
  blockedInjection,
  cleanupTmp,
  extraction,
  extractionRules,
  harness,
  injectionRule,
  T0,
  type Harness,
} from "./helpers.js";

const MINUTE = 60_000;
const admin: Actor = { keyId: "key_admin", keyName: "ops", team: "sec", role: "admin", ip: "127.0.0.1" };

const open: Playbook = { name: "open", on: {}, actions: [{ type: "open_incident" }, { type: "notify" }] };
const suspendFor = (ms?: number): Playbook => ({
  name: "contain",
  on: { minSeverity: "critical" },
  actions: [{ type: "suspend_key", ...(ms !== undefined ? { duration: ms } : {}) }],
});
const throttle: Playbook = {
  name: "slow",
  on: { types: ["prompt_injection"] },
  actions: [{ type: "throttle", limits: { requestsPerMinute: 5, maxConcurrent: 1 }, duration: 30 * MINUTE }],
};
const strict: Playbook = {
  name: "strict",
  on: { rules: ["three-injections"] },
  actions: [{ type: "require_policy", policy: "strict", duration: 10 * MINUTE }],
};

const harnesses: Harness[] = [];
function make(options: Parameters<typeof harness>[0]): Harness {
  const h = harness(options);
  harnesses.push(h);
  return h;
}
afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.close();
  cleanupTmp();
});

const handle = (h: Harness, ...events: Parameters<Harness["incidents"]["responder"]["handle"]>[0]) =>
  h.incidents.responder.handle(events);

/** Three blocked injections from one key, `at` seconds after T0. */
const burst = (h: Harness, at: number, keyId = "key_alice") =>
  handle(h, blockedInjection(at, keyId), blockedInjection(at + 1, keyId), blockedInjection(at + 2, keyId));

const incidentsOf = async (h: Harness) => (await h.store.incidents!.listIncidents({ limit: 100 })).incidents;
const actionsOf = (h: Harness) => h.store.incidents!.listActions({ limit: 100 });
const activities = (h: Harness) => h.events.map((e) => e.activity);

describe("incidents from triggers", () => {
  it("opens one incident with the rule's severity and mapping, and audits it", async () => {
    const h = make({ rules: [injectionRule], playbooks: [open] });
    await h.key("key_alice");
    await burst(h, 0);
    const [incident, ...more] = await incidentsOf(h);
    expect(more).toEqual([]);
    expect(incident).toMatchObject({
      type: "prompt_injection",
      ruleId: "three-injections",
      severity: "high",
      status: "open",
      keyId: "key_alice",
      team: "red",
      owasp: ["LLM01"],
      atlas: ["AML.T0051"],
      eventCount: 3,
    });
    expect(incident!.evidence.requestIds).toHaveLength(3);
    expect(incident!.evidence.playbooks).toEqual(["open"]);
    expect(activities(h)).toEqual(["response.triggered", "incident.opened", "response.open_incident"]);
    for (const e of h.events) {
      expect(e.class).toBe("admin_activity");
      expect(e.actor).toMatchObject({ role: "responder", key_id: null });
    }
    await h.incidents.responder.close();
    expect(h.sent).toEqual([{ names: undefined, kind: "incident.opened", actions: ["open_incident"] }]);
  });

  it("deduplicates per key and type within the window; a new key or a later burst opens another", async () => {
    const h = make({ rules: [injectionRule], playbooks: [open] });
    await burst(h, 0);
    await burst(h, 60); // joins
    await burst(h, 0, "key_bob"); // another key
    expect(await incidentsOf(h)).toHaveLength(2);
    const alice = (await incidentsOf(h)).find((i) => i.keyId === "key_alice")!;
    expect(alice.eventCount).toBe(6);
    expect(alice.evidence.requestIds).toHaveLength(6);
    // Past the dedup window (60 min after the last trigger): a new incident.
    await burst(h, 60 + 61 * 60);
    expect((await incidentsOf(h)).filter((i) => i.keyId === "key_alice")).toHaveLength(2);
    await h.incidents.responder.close();
    // Notified once per incident, not per trigger.
    expect(h.sent.map((s) => s.kind)).toEqual(["incident.opened", "incident.opened", "incident.opened"]);
  });

  it("a resolved incident is not joined: the next trigger opens a new one", async () => {
    const h = make({ rules: [injectionRule], playbooks: [open] });
    await burst(h, 0);
    const [first] = await incidentsOf(h);
    expect((await h.incidents.responder.resolve(first!.id, admin, "tested")).ok).toBe(true);
    await burst(h, 10);
    const all = await incidentsOf(h);
    expect(all).toHaveLength(2);
    expect(all.find((i) => i.id !== first!.id)!.status).toBe("open");
  });

  it("dedup survives a restart: a new responder on the same store joins the open incident", async () => {
    const first = make({ rules: [injectionRule], playbooks: [open] });
    await burst(first, 0);
    const second = make({ rules: [injectionRule], playbooks: [open], store: first.store });
    await burst(second, 30);
    const all = await incidentsOf(first);
    expect(all).toHaveLength(1);
    expect(all[0]!.eventCount).toBe(6);
  });

  it("escalates: a critical trigger joins the high incident, raises it and runs the playbooks it adds", async () => {
    const h = make({ rules: extractionRules, playbooks: [open, suspendFor(MINUTE)] });
    await h.key("key_alice");
    await handle(h, extraction(0.75, 0));
    expect((await incidentsOf(h))[0]!.severity).toBe("high");
    expect((await h.store.getKey("key_alice"))!.status).toBe("active");
    await handle(h, extraction(0.95, 60));
    const [incident, ...more] = await incidentsOf(h);
    expect(more).toEqual([]);
    expect(incident!.severity).toBe("critical");
    expect(incident!.evidence.rules).toEqual(["extraction-suspected", "extraction"]);
    expect(incident!.evidence.playbooks).toEqual(["open", "contain"]);
    expect((await h.store.getKey("key_alice"))!.status).toBe("suspended");
    expect(activities(h)).toContain("response.escalated");
    await h.incidents.responder.close();
    expect(h.sent.map((s) => s.kind)).toEqual(["incident.opened", "incident.escalated"]);
    expect(h.sent[1]!.actions).toEqual(["suspend_key"]);
  });

  it("replayed events (a durable queue after a crash) are not counted twice", async () => {
    const h = make({ rules: [injectionRule], playbooks: [open] });
    const a = blockedInjection(0);
    const b = blockedInjection(1);
    await handle(h, a, b, a, b);
    expect(await incidentsOf(h)).toEqual([]);
    await handle(h, blockedInjection(2));
    expect(await incidentsOf(h)).toHaveLength(1);
  });

  it("bounded memory: with maxTracked, a flood of keys forgets old dedup entries, and the store still finds the open incident", async () => {
    const rule = { ...injectionRule, threshold: undefined };
    const h = make({ rules: [rule], playbooks: [open], maxTracked: 100 });
    await handle(h, blockedInjection(0, "key_first"));
    const keys = Array.from({ length: 300 }, (_, i) => blockedInjection(1, `key_${i}`));
    await h.incidents.responder.handle(keys);
    expect(h.incidents.responder.tracked).toBeLessThanOrEqual(100);
    // key_first's entry was forgotten; its next trigger joins the open incident through the store.
    await handle(h, blockedInjection(2, "key_first"));
    const first = (await h.store.incidents!.listIncidents({ limit: 10, keyId: "key_first" })).incidents;
    expect(first).toHaveLength(1);
    expect(first[0]!.eventCount).toBe(2);
  });

  it("events the responder published itself never count", async () => {
    const h = make({ rules: [{ ...injectionRule, match: {}, threshold: undefined }], playbooks: [open] });
    await burst(h, 0);
    const before = (await incidentsOf(h)).length;
    await h.incidents.responder.handle(h.events.splice(0));
    expect((await incidentsOf(h)).length).toBe(before);
  });
});

describe("playbook actions and their revert", () => {
  it("suspend_key for a duration: suspended at once, resumed when the time is up (sync)", async () => {
    const h = make({ rules: extractionRules, playbooks: [open, suspendFor(5 * MINUTE)] });
    await h.key("key_alice");
    await handle(h, extraction(0.99));
    expect((await h.store.getKey("key_alice"))!.status).toBe("suspended");
    const [action] = (await actionsOf(h)).filter((a) => a.type === "suspend_key");
    expect(action).toMatchObject({ state: "active", expiresAt: T0 + 5 * MINUTE });
    await h.incidents.responder.sync();
    h.clock.now = T0 + 5 * MINUTE - 1;
    await h.incidents.responder.sync();
    expect((await h.store.getKey("key_alice"))!.status).toBe("suspended");
    h.clock.now = T0 + 5 * MINUTE;
    await h.incidents.responder.sync();
    expect((await h.store.getKey("key_alice"))!.status).toBe("active");
    const ended = await h.store.incidents!.getAction(action!.id);
    expect(ended).toMatchObject({ state: "expired", endedBy: "responder", endedAt: T0 + 5 * MINUTE });
    expect(activities(h)).toEqual(expect.arrayContaining(["response.suspend_key", "response.expired"]));
    const detail = await h.incidents.responder.get(ended!.incidentId!);
    expect(detail!.notes.map((n) => n.text)).toContain("suspend_key expired");
  });

  it("suspend_key until a person resumes: no expiry; revert resumes the key and is audited with who", async () => {
    const h = make({ rules: extractionRules, playbooks: [open, suspendFor()] });
    await h.key("key_alice");
    await handle(h, extraction(0.99));
    const [action] = (await actionsOf(h)).filter((a) => a.type === "suspend_key");
    expect(action!.expiresAt).toBeNull();
    h.clock.now = T0 + 365 * 24 * 60 * MINUTE;
    await h.incidents.responder.sync();
    expect((await h.store.getKey("key_alice"))!.status).toBe("suspended");
    const reverted = await h.incidents.responder.revert(action!.id, admin, "false alarm");
    expect(reverted.ok && reverted.value).toMatchObject({
      state: "reverted",
      endedBy: "ops (key_admin)",
      detail: "false alarm",
    });
    expect((await h.store.getKey("key_alice"))!.status).toBe("active");
    const event = h.events.find((e) => e.activity === "response.reverted")!;
    expect(event.actor).toMatchObject({ key_id: "key_admin", role: "admin" });
    expect(event.src_endpoint).toEqual({ ip: "127.0.0.1" });
    // Twice is a conflict, an unknown id is not found.
    expect(await h.incidents.responder.revert(action!.id, admin)).toMatchObject({
      ok: false,
      reason: "conflict",
    });
    expect(await h.incidents.responder.revert("0190f0f0-0000-7000-8000-000000000000", admin)).toMatchObject({
      ok: false,
      reason: "not_found",
    });
  });

  it("an expiring suspension leaves alone a key a person suspended again meanwhile", async () => {
    const h = make({ rules: extractionRules, playbooks: [open, suspendFor(MINUTE)] });
    await h.key("key_alice");
    await handle(h, extraction(0.99));
    await h.incidents.responder.sync();
    // Between two syncs, a person resumes it and suspends it again by hand (the record changes).
    await new Promise((r) => setTimeout(r, 3));
    await h.store.updateKey("key_alice", { status: "active" });
    await h.store.updateKey("key_alice", { status: "suspended" });
    h.clock.now = T0 + 2 * MINUTE;
    await h.incidents.responder.sync();
    expect((await h.store.getKey("key_alice"))!.status).toBe("suspended");
    const [action] = (await actionsOf(h)).filter((a) => a.type === "suspend_key");
    expect(action!.state).toBe("superseded");
  });

  it("a key resumed by hand ends its until-resumed suspension (superseded), so it no longer shows as active", async () => {
    const h = make({ rules: extractionRules, playbooks: [open, suspendFor()] });
    await h.key("key_alice");
    await handle(h, extraction(0.99));
    await h.incidents.responder.sync();
    const [action] = (await actionsOf(h)).filter((a) => a.type === "suspend_key");
    expect(action!.state).toBe("active");
    // `portcullis keys resume` on the data directory: no event, only the key record changes.
    await h.store.updateKey("key_alice", { status: "active" });
    await h.incidents.responder.sync();
    const ended = await h.store.incidents!.getAction(action!.id);
    expect(ended).toMatchObject({ state: "superseded", detail: "ended by hand: the key is active" });
    expect(activities(h)).toContain("response.superseded");
    // And a later sync does not touch it again.
    const count = h.events.length;
    await h.incidents.responder.sync();
    expect(h.events.length).toBe(count);
  });

  it("never suspends an admin key automatically, and records why", async () => {
    const h = make({ rules: extractionRules, playbooks: [open, suspendFor(MINUTE)] });
    await h.key("key_alice", { role: "admin" });
    await handle(h, extraction(0.99));
    expect((await h.store.getKey("key_alice"))!.status).toBe("active");
    const [action] = (await actionsOf(h)).filter((a) => a.type === "suspend_key");
    expect(action).toMatchObject({ state: "failed" });
    expect(action!.detail).toMatch(/admin keys/);
  });

  it("throttle: the tightest limits reach the limiter, and lift when the time is up", async () => {
    const h = make({ rules: [injectionRule], playbooks: [open, throttle] });
    await burst(h, 0);
    expect(h.tightened.get("key_alice")).toEqual({ requestsPerMinute: 5, maxConcurrent: 1 });
    const [action] = (await actionsOf(h)).filter((a) => a.type === "throttle");
    expect(action).toMatchObject({ state: "active", expiresAt: T0 + 30 * MINUTE });
    h.clock.now = T0 + 30 * MINUTE;
    await h.incidents.responder.sync();
    expect(h.tightened.get("key_alice")).toBeUndefined();
    expect((await h.store.incidents!.getAction(action!.id))!.state).toBe("expired");
  });

  it("throttle revert lifts the limits at once", async () => {
    const h = make({ rules: [injectionRule], playbooks: [open, throttle] });
    await burst(h, 0);
    const [action] = (await actionsOf(h)).filter((a) => a.type === "throttle");
    expect((await h.incidents.responder.revert(action!.id, admin)).ok).toBe(true);
    expect(h.tightened.has("key_alice")).toBe(true);
    expect(h.tightened.get("key_alice")).toBeUndefined();
  });

  it("require_policy: the key is put under the policy; revert lifts it", async () => {
    const h = make({ rules: [injectionRule], playbooks: [open, strict] });
    await burst(h, 0);
    expect(h.policies.get("key_alice")).toEqual(["strict"]);
    const [action] = (await actionsOf(h)).filter((a) => a.type === "require_policy");
    expect(action).toMatchObject({ state: "active", params: { policy: "strict" } });
    expect((await h.incidents.responder.revert(action!.id, admin)).ok).toBe(true);
    expect(h.policies.get("key_alice")).toEqual([]);
  });

  it("one-off actions (open_incident, notify) cannot be reverted", async () => {
    const h = make({ rules: [injectionRule], playbooks: [open] });
    await burst(h, 0);
    const [action] = await actionsOf(h);
    expect(action!.type).toBe("open_incident");
    expect(await h.incidents.responder.revert(action!.id, admin)).toMatchObject({
      ok: false,
      reason: "conflict",
    });
  });

  it("a throttle made on one replica holds on another after its sync, and a revert there lifts it here", async () => {
    const a = make({ rules: [injectionRule], playbooks: [open, throttle] });
    const b = make({ rules: [injectionRule], playbooks: [open, throttle], store: a.store });
    await a.incidents.start();
    await b.incidents.start();
    await burst(a, 0);
    expect(b.tightened.get("key_alice")).toBeUndefined();
    await b.incidents.responder.sync();
    expect(b.tightened.get("key_alice")).toEqual({ requestsPerMinute: 5, maxConcurrent: 1 });
    const [action] = (await actionsOf(a)).filter((x) => x.type === "throttle");
    await b.incidents.responder.revert(action!.id, admin);
    await a.incidents.responder.sync();
    expect(a.tightened.get("key_alice")).toBeUndefined();
  });

  it("a playbook that selects nothing does nothing", async () => {
    const h = make({
      rules: [injectionRule],
      playbooks: [
        {
          name: "never",
          on: { types: ["prompt_injection"], minSeverity: "critical" },
          actions: [{ type: "open_incident" }],
        },
      ],
    });
    await burst(h, 0);
    expect(await incidentsOf(h)).toEqual([]);
    // The trigger itself is still audited.
    expect(activities(h)).toEqual(["response.triggered"]);
  });
});

describe("lifecycle", () => {
  it("open → acknowledged → resolved, with notes and who did it", async () => {
    const h = make({ rules: [injectionRule], playbooks: [open] });
    await burst(h, 0);
    const [incident] = await incidentsOf(h);
    const r = h.incidents.responder;
    h.clock.now = T0 + MINUTE;
    const acked = await r.acknowledge(incident!.id, admin, "looking");
    expect(acked.ok && acked.value).toMatchObject({
      status: "acknowledged",
      acknowledgedBy: "ops (key_admin)",
      acknowledgedAt: T0 + MINUTE,
    });
    expect((await r.addNote(incident!.id, admin, "it was a pen test")).ok).toBe(true);
    h.clock.now = T0 + 2 * MINUTE;
    const resolved = await r.resolve(incident!.id, admin, "closed");
    expect(resolved.ok && resolved.value).toMatchObject({
      status: "resolved",
      resolvedBy: "ops (key_admin)",
      resolvedAt: T0 + 2 * MINUTE,
    });
    const detail = await r.get(incident!.id);
    expect(detail!.notes.map((n) => [n.kind, n.author, n.text])).toEqual([
      ["opened", "responder", expect.stringContaining("Three blocked injections")],
      ["acknowledged", "ops (key_admin)", "looking"],
      ["note", "ops (key_admin)", "it was a pen test"],
      ["resolved", "ops (key_admin)", "closed"],
    ]);
    expect(activities(h)).toEqual(
      expect.arrayContaining(["incident.acknowledged", "incident.note_added", "incident.resolved"]),
    );
  });

  it("open → resolved directly is allowed; resolved → acknowledged is refused; repeating a step is not an error", async () => {
    const h = make({ rules: [injectionRule], playbooks: [open] });
    await burst(h, 0);
    const [incident] = await incidentsOf(h);
    const r = h.incidents.responder;
    expect((await r.resolve(incident!.id, admin)).ok).toBe(true);
    const again = await r.acknowledge(incident!.id, admin);
    expect(again).toMatchObject({ ok: false, reason: "conflict" });
    expect(!again.ok && again.message).toMatch(/Cannot acknowledge an incident that is resolved/);
    expect((await r.resolve(incident!.id, admin)).ok).toBe(true);
    const notes = (await r.get(incident!.id))!.notes.filter((n) => n.kind === "resolved");
    expect(notes).toHaveLength(1);
  });

  it("unknown incidents are not found", async () => {
    const h = make({ rules: [injectionRule], playbooks: [open] });
    const id = "0190f0f0-0000-7000-8000-000000000000";
    expect(await h.incidents.responder.acknowledge(id, admin)).toMatchObject({
      ok: false,
      reason: "not_found",
    });
    expect(await h.incidents.responder.addNote(id, admin, "x")).toMatchObject({
      ok: false,
      reason: "not_found",
    });
    expect(await h.incidents.responder.get(id)).toBeUndefined();
  });

  it("two admins acknowledging at once: one note", async () => {
    const h = make({ rules: [injectionRule], playbooks: [open] });
    await burst(h, 0);
    const [incident] = await incidentsOf(h);
    const results = await Promise.all([
      h.incidents.responder.acknowledge(incident!.id, admin),
      h.incidents.responder.acknowledge(incident!.id, { ...admin, keyId: "key_other", keyName: "other" }),
    ]);
    expect(results.every((r) => r.ok)).toBe(true);
    const notes = (await h.incidents.responder.get(incident!.id))!.notes.filter(
      (n) => n.kind === "acknowledged",
    );
    expect(notes).toHaveLength(1);
  });
});

describe("start-up checks", () => {
  it("a playbook naming a missing rule, type, webhook or policy fails the start with every problem", () => {
    expect(() =>
      make({
        rules: [injectionRule],
        playbooks: [
          {
            name: "bad",
            on: { rules: ["nope"], types: ["nothing"] },
            actions: [
              { type: "notify", webhooks: ["ghost"] },
              { type: "require_policy", policy: "unknown" },
            ],
          },
          { name: "bad", on: {}, actions: [{ type: "open_incident" }] },
        ],
      }),
    ).toThrow(/rule "nope".*type "nothing".*notifies "ghost".*policy "unknown".*defined twice/s);
  });
});
