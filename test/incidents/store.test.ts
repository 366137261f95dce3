import { afterAll, describe, expect, it } from "vitest";
import { uuidv7 } from "../../src/events/index.js";
import type {
  FeedbackRecord,
  IncidentRecord,
  IncidentStore,
  ResponseActionRecord,
  Store,
} from "../../src/store/index.js";
import { PG_SKIP_MESSAGE, PG_URL, postgresBackend, sqliteBackend, type Backend } from "../store/backends.js";

/**
 * The incident store contract, run against SQLite and PostgreSQL alike (PostgreSQL as in
 * test/store: skipped with a message locally without a server, required with CI=true).
 */

if (!PG_URL)
  console.warn(PG_SKIP_MESSAGE.replace("PostgreSQL store tests", "PostgreSQL incident store tests"));

const T = 1_750_000_000_000;
let seq = 0;
/** Strictly increasing ids, as the responder makes them. */
const id = () => uuidv7(T + ++seq);

function incident(over: Partial<IncidentRecord> = {}): IncidentRecord {
  return {
    id: id(),
    type: "prompt_injection",
    ruleId: "three-injections",
    title: "Three blocked injections — key alice",
    severity: "high",
    status: "open",
    keyId: "key_alice",
    team: "red",
    owasp: ["LLM01"],
    atlas: ["AML.T0051"],
    firstSeen: T,
    lastSeen: T,
    eventCount: 3,
    evidence: {
      rules: ["three-injections"],
      reasons: ["r"],
      eventIds: ["e"],
      requestIds: ["q"],
      playbooks: [],
    },
    createdAt: T,
    updatedAt: T,
    acknowledgedAt: null,
    acknowledgedBy: null,
    resolvedAt: null,
    resolvedBy: null,
    ...over,
  };
}

function action(over: Partial<ResponseActionRecord> = {}): ResponseActionRecord {
  return {
    id: id(),
    incidentId: null,
    type: "throttle",
    keyId: "key_alice",
    playbook: "slow",
    ruleId: "three-injections",
    params: { limits: { requestsPerMinute: 5 }, duration: 60_000 },
    state: "active",
    createdAt: T,
    expiresAt: T + 60_000,
    endedAt: null,
    endedBy: null,
    detail: null,
    ...over,
  };
}

function feedback(over: Partial<FeedbackRecord> = {}): FeedbackRecord {
  return {
    id: id(),
    requestId: uuidv7(T),
    keyId: "key_alice",
    team: "red",
    verdict: "false_positive",
    comment: "harmless",
    subjects: ["detector:injection", "rule:three-injections"],
    createdAt: T,
    ...over,
  };
}

function contract(backend: Backend) {
  describe.skipIf(backend.skip)(`incident store: ${backend.name}`, () => {
    afterAll(() => backend.cleanup());
    const open = async (): Promise<{ store: Store; incidents: IncidentStore }> => {
      const store = await (await backend.fresh()).open();
      return { store, incidents: store.incidents! };
    };

    it("round-trips an incident, and finds the open one of a key and type since a time", async () => {
      const { store, incidents } = await open();
      try {
        const a = incident({ lastSeen: T + 1000 });
        await incidents.insertIncident(a);
        expect(await incidents.getIncident(a.id)).toEqual(a);
        expect(await incidents.findOpenIncident("key_alice", "prompt_injection", T)).toEqual(a);
        expect(await incidents.findOpenIncident("key_alice", "prompt_injection", T + 1001)).toBeUndefined();
        expect(await incidents.findOpenIncident("key_bob", "prompt_injection", T)).toBeUndefined();
        expect(await incidents.findOpenIncident("key_alice", "flood", T)).toBeUndefined();
        await incidents.updateIncident(a.id, { status: "resolved" });
        expect(await incidents.findOpenIncident("key_alice", "prompt_injection", T)).toBeUndefined();
        expect(await incidents.getIncident(uuidv7(T))).toBeUndefined();
      } finally {
        await store.close();
      }
    });

    it("lists newest first with filters and cursor pages", async () => {
      const { store, incidents } = await open();
      try {
        const made: IncidentRecord[] = [];
        for (let i = 0; i < 7; i++) {
          const r = incident({
            keyId: i % 2 ? "key_bob" : "key_alice",
            severity: i === 3 ? "critical" : "high",
            status: i === 5 ? "acknowledged" : "open",
            type: i === 6 ? "flood" : "prompt_injection",
          });
          made.push(r);
          await incidents.insertIncident(r);
        }
        const first = await incidents.listIncidents({ limit: 3 });
        expect(first.incidents.map((r) => r.id)).toEqual(
          made
            .slice(4)
            .reverse()
            .map((r) => r.id),
        );
        const second = await incidents.listIncidents({ limit: 3, cursor: first.nextCursor! });
        expect(second.incidents.map((r) => r.id)).toEqual(
          made
            .slice(1, 4)
            .reverse()
            .map((r) => r.id),
        );
        const third = await incidents.listIncidents({ limit: 3, cursor: second.nextCursor! });
        expect(third.incidents.map((r) => r.id)).toEqual([made[0]!.id]);
        expect(third.nextCursor).toBeNull();
        expect((await incidents.listIncidents({ limit: 100, keyId: "key_bob" })).incidents).toHaveLength(3);
        expect((await incidents.listIncidents({ limit: 100, severity: "critical" })).incidents).toEqual([
          made[3],
        ]);
        expect((await incidents.listIncidents({ limit: 100, status: "acknowledged" })).incidents).toEqual([
          made[5],
        ]);
        expect((await incidents.listIncidents({ limit: 100, type: "flood" })).incidents).toEqual([made[6]]);
      } finally {
        await store.close();
      }
    });

    it("a conditional update wins only from the given states; of concurrent ones exactly one wins", async () => {
      const { store, incidents } = await open();
      try {
        const a = incident();
        await incidents.insertIncident(a);
        const acked = await incidents.updateIncident(a.id, { status: "acknowledged", acknowledgedBy: "x" }, [
          "open",
        ]);
        expect(acked).toMatchObject({ status: "acknowledged", acknowledgedBy: "x" });
        expect(acked!.updatedAt).toBeGreaterThan(a.updatedAt);
        expect(await incidents.updateIncident(a.id, { status: "acknowledged" }, ["open"])).toBeUndefined();
        expect(await incidents.updateIncident(uuidv7(T), { status: "resolved" })).toBeUndefined();
        const results = await Promise.all(
          Array.from({ length: 5 }, (_, i) =>
            incidents.updateIncident(a.id, { status: "resolved", resolvedBy: `admin${i}` }, [
              "open",
              "acknowledged",
            ]),
          ),
        );
        expect(results.filter(Boolean)).toHaveLength(1);
      } finally {
        await store.close();
      }
    });

    it("keeps notes in order, and text with NUL or odd Unicode intact enough to read", async () => {
      const { store, incidents } = await open();
      try {
        const a = incident();
        await incidents.insertIncident(a);
        const texts = ["opened", "looks like a pen test ✓", "bad\u0000byte"];
        for (const text of texts) {
          await incidents.addIncidentNote({
            id: id(),
            incidentId: a.id,
            time: T,
            author: "ops (key_x)",
            kind: "note",
            text,
          });
        }
        const notes = await incidents.incidentNotes(a.id);
        expect(notes.map((n) => n.text.replace("\u0000", ""))).toEqual([
          "opened",
          "looks like a pen test ✓",
          "badbyte",
        ]);
        expect(await incidents.incidentNotes(uuidv7(T))).toEqual([]);
      } finally {
        await store.close();
      }
    });

    it("actions: round-trip, filters, conditional end, and a version that moves with every write", async () => {
      const { store, incidents } = await open();
      try {
        const v0 = await incidents.actionsVersion();
        const inc = incident();
        await incidents.insertIncident(inc);
        const a = action({ incidentId: inc.id });
        const b = action({
          type: "suspend_key",
          keyId: "key_bob",
          params: { key_updated_at: T },
          expiresAt: null,
        });
        const c = action({ type: "notify", state: "done", endedAt: T, params: { webhooks: ["soc"] } });
        for (const x of [a, b, c]) await incidents.insertAction(x);
        const v1 = await incidents.actionsVersion();
        expect(v1).toBeGreaterThan(v0);
        expect(await incidents.getAction(b.id)).toEqual(b);
        expect((await incidents.listActions({ limit: 10 })).map((x) => x.id)).toEqual([c.id, b.id, a.id]);
        expect((await incidents.listActions({ limit: 10, states: ["active"] })).map((x) => x.id)).toEqual([
          b.id,
          a.id,
        ]);
        expect((await incidents.listActions({ limit: 10, keyId: "key_bob" })).map((x) => x.id)).toEqual([
          b.id,
        ]);
        expect((await incidents.listActions({ limit: 10, incidentId: inc.id })).map((x) => x.id)).toEqual([
          a.id,
        ]);
        expect((await incidents.listActions({ limit: 1 })).map((x) => x.id)).toEqual([c.id]);
        const ended = await incidents.updateAction(
          a.id,
          { state: "reverted", endedAt: T + 5, endedBy: "ops" },
          ["active"],
        );
        expect(ended).toMatchObject({ state: "reverted", endedAt: T + 5, endedBy: "ops" });
        expect(await incidents.actionsVersion()).toBeGreaterThan(v1);
        expect(await incidents.updateAction(a.id, { state: "expired" }, ["active"])).toBeUndefined();
        const both = await Promise.all([
          incidents.updateAction(b.id, { state: "expired" }, ["active"]),
          incidents.updateAction(b.id, { state: "reverted" }, ["active"]),
        ]);
        expect(both.filter(Boolean)).toHaveLength(1);
      } finally {
        await store.close();
      }
    });

    it("two replicas on one database see each other's actions through the version", async () => {
      const db = await backend.fresh();
      const one = await db.open();
      const two = await db.open();
      try {
        const before = await two.incidents!.actionsVersion();
        await one.incidents!.insertAction(action());
        expect(await two.incidents!.actionsVersion()).not.toBe(before);
        expect(await two.incidents!.listActions({ limit: 10, states: ["active"] })).toHaveLength(1);
      } finally {
        await one.close();
        await two.close();
      }
    });

    it("feedback: one report per request, key and verdict; counted per subject, most reported first", async () => {
      const { store, incidents } = await open();
      try {
        const r1 = feedback();
        expect(await incidents.insertFeedback(r1)).toBe(true);
        expect(await incidents.insertFeedback({ ...r1, id: id() })).toBe(false);
        // The same request reported the other way is a separate report.
        expect(await incidents.insertFeedback({ ...r1, id: id(), verdict: "missed_attack" })).toBe(true);
        await incidents.insertFeedback(
          feedback({ requestId: uuidv7(T + 1), subjects: ["detector:injection"] }),
        );
        await incidents.insertFeedback(
          feedback({
            requestId: uuidv7(T + 2),
            keyId: "key_bob",
            verdict: "missed_attack",
            subjects: ["unflagged"],
          }),
        );
        expect(await incidents.feedbackSummary()).toEqual([
          { subject: "detector:injection", falsePositive: 2, missedAttack: 1 },
          { subject: "rule:three-injections", falsePositive: 1, missedAttack: 1 },
          { subject: "unflagged", falsePositive: 0, missedAttack: 1 },
        ]);
        const all = await incidents.listFeedback({ limit: 2 });
        expect(all.feedback).toHaveLength(2);
        const rest = await incidents.listFeedback({ limit: 10, cursor: all.nextCursor! });
        expect(rest.feedback).toHaveLength(2);
        expect(rest.nextCursor).toBeNull();
        expect((await incidents.listFeedback({ limit: 10, keyId: "key_bob" })).feedback).toHaveLength(1);
        const missed = await incidents.listFeedback({ limit: 10, verdict: "missed_attack" });
        expect(missed.feedback.map((f) => f.verdict)).toEqual(["missed_attack", "missed_attack"]);
        expect((await incidents.listFeedback({ limit: 10, keyId: "key_alice" })).feedback[2]).toEqual(r1);
      } finally {
        await store.close();
      }
    });
  });
}

contract(sqliteBackend());
contract(postgresBackend());
