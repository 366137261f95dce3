import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verifyWebhook } from "../../src/siem/index.js";
import { cleanupTmp } from "./helpers.js";
import { startReceiver, type Receiver } from "./receiver.js";
import { chat, eventually, INJECTION, POLICIES, startTestServer, type TestServer } from "./server.js";

/**
 * Incident response in the real composition root (startServer): the demo provider, the real
 * guards, limiter, key service, SQLite store and admin API. Each block starts its own gateway.
 */

const SECRET = "whsec-gateway-test-secret";
process.env.PCX_TEST_INCIDENT_WEBHOOK_SECRET = SECRET;

const RULE = `
    - id: three-injections
      description: Three blocked prompt injections from one key
      type: prompt_injection
      severity: high
      match: { class: api_activity, decision: block, categories: [prompt_injection, jailbreak] }
      threshold: { count: 3, window: 10m }
      dedupWindow: 1h
      owasp: [LLM01]
      atlas: [AML.T0051]`;

type Json = Record<string, unknown>;
const code = (json: Json) => (json.error as { code?: string } | undefined)?.code;

/** Three blocked injections; returns their request ids. */
async function attack(s: TestServer, key: string): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < 3; i++) {
    const res = await s.call("POST", "/v1/chat/completions", key, chat(`${INJECTION} (${i})`));
    expect(res.status).toBe(403);
    expect(code(res.json)).toBe("PCX_POLICY_BLOCKED");
    ids.push(res.headers.get("x-request-id")!);
  }
  return ids;
}

async function incidentsOf(s: TestServer, keyId: string): Promise<Json[]> {
  const res = await s.call("GET", `/admin/v1/incidents?key_id=${keyId}`, s.adminKey);
  expect(res.status).toBe(200);
  return res.json.data as Json[];
}

const activeActions = async (s: TestServer, keyId: string) =>
  ((await s.call("GET", `/admin/v1/actions?key_id=${keyId}&state=active`, s.adminKey)).json.data as Json[]) ??
  [];

afterAll(() => cleanupTmp());

describe("suspend, notify, lifecycle and feedback through the gateway", () => {
  let s: TestServer;
  let receiver: Receiver;
  let user: { key: string; id: string };
  let blocked: string[];
  let incidentId: string;

  beforeAll(async () => {
    receiver = await startReceiver();
    s = await startTestServer(`${POLICIES}
incidents:
  defaults: false
  syncIntervalMs: 100
  publicUrl: https://gateway.example.com
  webhooks:
    soc: { url: "${receiver.url}", secret: env:PCX_TEST_INCIDENT_WEBHOOK_SECRET, attempts: 2 }
  rules:${RULE}
  playbooks:
    - name: contain
      on: { rules: [three-injections] }
      actions:
        - { type: open_incident }
        - { type: suspend_key, duration: 2s }
        - { type: notify, webhooks: [soc] }
`);
    user = await s.key({ name: "chatbot" });
  });
  afterAll(async () => {
    await s.close();
    await receiver.close();
  });

  it("three blocked injections: incident opened, key suspended, signed notification; the suspension expires by itself", async () => {
    expect((await s.call("POST", "/v1/chat/completions", user.key, chat("Hello"))).status).toBe(200);
    blocked = await attack(s, user.key);
    const [incident] = await eventually(async () => {
      const found = await incidentsOf(s, user.id);
      return found.length ? found : undefined;
    });
    expect(incident).toMatchObject({
      type: "prompt_injection",
      rule_id: "three-injections",
      severity: "high",
      status: "open",
      key_id: user.id,
      owasp: ["LLM01"],
      atlas: ["AML.T0051"],
      event_count: 3,
    });
    incidentId = incident!.id as string;
    expect((incident!.evidence as { request_ids: string[] }).request_ids).toEqual(blocked);

    // The suspension follows the incident within moments (the playbook's next action).
    const refused = await eventually(async () => {
      const res = await s.call("POST", "/v1/chat/completions", user.key, chat("Hello again"));
      return res.status === 200 ? undefined : res;
    });
    expect(refused.status).toBe(401);
    expect(code(refused.json)).toBe("PCX_AUTH_KEY_SUSPENDED");

    await receiver.waitFor(1);
    const got = receiver.received[0]!;
    const headers = {
      signature: got.headers[SIGNATURE_HEADER] as string,
      timestamp: got.headers[TIMESTAMP_HEADER] as string,
    };
    expect(verifyWebhook(SECRET, headers, got.body)).toBe(true);
    const doc = JSON.parse(got.body.toString("utf8")) as Json;
    expect(doc).toMatchObject({
      type: "incident.opened",
      incident: { id: incidentId, url: `https://gateway.example.com/admin/v1/incidents/${incidentId}` },
      actions: [
        { type: "open_incident", state: "done" },
        { type: "suspend_key", state: "active" },
      ],
    });

    // Two seconds later the responder's sync resumes the key.
    const answer = await eventually(
      async () => {
        const res = await s.call("POST", "/v1/chat/completions", user.key, chat("Back?"));
        return res.status === 200 ? res : undefined;
      },
      8000,
      "the suspension to expire",
    );
    expect(answer.status).toBe(200);
    const detail = (await s.call("GET", `/admin/v1/incidents/${incidentId}`, s.adminKey)).json;
    const actions = detail.actions as Json[];
    expect(actions.map((a) => [a.type, a.state])).toEqual([
      ["open_incident", "done"],
      ["suspend_key", "expired"],
      ["notify", "done"],
    ]);
    // Internal bookkeeping stays internal.
    expect(JSON.stringify(actions)).not.toContain("key_updated_at");
  });

  it("every automated action is an audited event in the event store", async () => {
    const res = await eventually(async () => {
      const page = await s.call("GET", "/admin/v1/events?limit=500", s.adminKey);
      const data = page.json.data as Json[];
      const activities = data.map((e) => e.activity);
      return activities.includes("response.expired") ? activities : undefined;
    });
    expect(res).toEqual(
      expect.arrayContaining([
        "response.triggered",
        "incident.opened",
        "response.open_incident",
        "response.suspend_key",
        "response.notify",
        "response.expired",
      ]),
    );
  });

  it("lifecycle over the admin API: ack and resolve with notes and who; conflicts are 409", async () => {
    const ack = await s.call("POST", `/admin/v1/incidents/${incidentId}/ack`, s.adminKey, { note: "on it" });
    expect(ack.status).toBe(200);
    expect(ack.json).toMatchObject({ status: "acknowledged" });
    expect(ack.json.acknowledged_by).toMatch(/\(key_/);
    // Repeating a step already done is not an error.
    expect((await s.call("POST", `/admin/v1/incidents/${incidentId}/ack`, s.adminKey, {})).status).toBe(200);
    const note = await s.call("POST", `/admin/v1/incidents/${incidentId}/notes`, s.adminKey, {
      text: "pen test by the red team",
    });
    expect(note.status).toBe(201);
    const resolved = await s.call("POST", `/admin/v1/incidents/${incidentId}/resolve`, s.adminKey, {
      note: "expected",
    });
    expect(resolved.json).toMatchObject({ status: "resolved" });
    const conflict = await s.call("POST", `/admin/v1/incidents/${incidentId}/ack`, s.adminKey, {});
    expect(conflict.status).toBe(409);
    expect(code(conflict.json)).toBe("PCX_CONFLICT");
    const detail = (await s.call("GET", `/admin/v1/incidents/${incidentId}`, s.adminKey)).json;
    const notes = (detail.notes as Json[]).map((n) => [n.kind, n.text]);
    expect(notes).toEqual(
      expect.arrayContaining([
        ["acknowledged", "on it"],
        ["note", "pen test by the red team"],
        ["resolved", "expected"],
      ]),
    );
    // Filtering by status.
    const open = (await s.call("GET", "/admin/v1/incidents?status=open", s.adminKey)).json.data as Json[];
    expect(open.map((i) => i.id)).not.toContain(incidentId);
  });

  it("the admin API validates input and roles", async () => {
    const auditor = await s.key({ name: "auditor", role: "auditor" });
    expect((await s.call("GET", "/admin/v1/incidents", auditor.key)).status).toBe(200);
    expect((await s.call("POST", `/admin/v1/incidents/${incidentId}/ack`, auditor.key, {})).status).toBe(403);
    expect((await s.call("GET", "/admin/v1/incidents", user.key)).status).toBe(403);
    expect((await s.call("GET", "/admin/v1/incidents", undefined)).status).toBe(401);
    expect((await s.call("GET", "/admin/v1/incidents/not-a-uuid", s.adminKey)).status).toBe(400);
    const missing = await s.call(
      "GET",
      "/admin/v1/incidents/0190f0f0-0000-7000-8000-000000000000",
      s.adminKey,
    );
    expect(missing.status).toBe(404);
    expect((await s.call("GET", "/admin/v1/incidents?limit=0", s.adminKey)).status).toBe(400);
    expect((await s.call("GET", "/admin/v1/incidents?status=closed", s.adminKey)).status).toBe(400);
    expect((await s.call("GET", "/admin/v1/incidents?unknown=1", s.adminKey)).status).toBe(400);
    const extra = await s.call("POST", `/admin/v1/incidents/${incidentId}/resolve`, s.adminKey, { why: "x" });
    expect(extra.status).toBe(400);
    const long = await s.call("POST", `/admin/v1/incidents/${incidentId}/notes`, s.adminKey, {
      text: "x".repeat(4001),
    });
    expect(long.status).toBe(400);
    const revert = await s.call(
      "POST",
      "/admin/v1/actions/0190f0f0-0000-7000-8000-000000000000/revert",
      s.adminKey,
      {},
    );
    expect(revert.status).toBe(404);
    const done = (
      (await s.call("GET", `/admin/v1/actions?incident_id=${incidentId}`, s.adminKey)).json.data as Json[]
    ).find((a) => a.type === "suspend_key")!;
    const again = await s.call("POST", `/admin/v1/actions/${done.id as string}/revert`, s.adminKey, {});
    expect(again.status).toBe(409);
    expect(code(again.json)).toBe("PCX_CONFLICT");
  });

  it("POST /v1/feedback: validated, size-capped, own requests only, counted once, and per rule", async () => {
    const other = await s.key({ name: "other" });
    const body = {
      request_id: blocked[0],
      verdict: "false_positive",
      comment: "a quoted example in our docs",
    };
    expect((await s.call("POST", "/v1/feedback", undefined, body)).status).toBe(401);
    // Another key cannot report on this key's request.
    const foreign = await s.call("POST", "/v1/feedback", other.key, body);
    expect(foreign.status).toBe(404);
    const bad = [
      { ...body, request_id: "nope" },
      { ...body, verdict: "wrong" },
      { ...body, extra: 1 },
      { ...body, comment: "x".repeat(2001) },
      { verdict: "false_positive" },
    ];
    for (const b of bad) {
      const res = await s.call("POST", "/v1/feedback", user.key, b);
      expect(res.status, JSON.stringify(b).slice(0, 80)).toBe(400);
      expect(code(res.json)).toBe("PCX_INVALID_REQUEST");
    }
    const huge = await s.call("POST", "/v1/feedback", user.key, { ...body, comment: "y".repeat(9000) });
    expect(huge.status).toBe(413);
    const first = await s.call("POST", "/v1/feedback", user.key, body);
    expect(first.status).toBe(201);
    expect(first.json).toMatchObject({
      status: "recorded",
      request_id: blocked[0],
      verdict: "false_positive",
    });
    const repeat = await s.call("POST", "/v1/feedback", user.key, body);
    expect(repeat.status).toBe(200);
    expect(repeat.json).toMatchObject({ status: "already_reported", id: null });
    await s.call("POST", "/v1/feedback", user.key, { ...body, request_id: blocked[1] });
    // A missed attack on an allowed request: nothing judged it.
    const allowed = await s.call("POST", "/v1/chat/completions", user.key, chat("Tell me a story"));
    const missed = await s.call("POST", "/v1/feedback", user.key, {
      request_id: allowed.headers.get("x-request-id"),
      verdict: "missed_attack",
      comment: "this was a slow extraction",
    });
    expect(missed.status).toBe(201);

    const list = (await s.call("GET", "/admin/v1/feedback", s.adminKey)).json.data as Json[];
    expect(list).toHaveLength(3);
    expect(list[2]).toMatchObject({ request_id: blocked[0], key_id: user.id, comment: body.comment });
    const summary = (await s.call("GET", "/admin/v1/feedback/summary", s.adminKey)).json.data as Json[];
    const row = (subject: string) => summary.find((r) => r.subject === subject);
    expect(row("rule:three-injections")).toEqual({
      subject: "rule:three-injections",
      false_positive: 2,
      missed_attack: 0,
      total: 2,
    });
    expect(row("policy:base")).toMatchObject({ false_positive: 2 });
    expect(row("unflagged")).toMatchObject({ false_positive: 0, missed_attack: 1 });
    expect((await s.call("GET", "/admin/v1/feedback/summary", user.key)).status).toBe(403);
  });

  it("random feedback bodies get a 4xx with an error code, never a 5xx (property)", async () => {
    const field = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.integer(),
      fc.constant(null),
      fc.constantFrom("false_positive", "missed_attack", blocked[0]!),
      fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.record({ request_id: field, verdict: field, comment: field }, { requiredKeys: [] }),
          fc.dictionary(fc.string({ maxLength: 12 }), field, { maxKeys: 4 }),
          fc.string({ maxLength: 60 }),
        ),
        async (body) => {
          const res = await s.call("POST", "/v1/feedback", user.key, body);
          expect(res.status).toBeLessThan(500);
          if (res.status >= 400) expect(code(res.json)).toMatch(/^PCX_/);
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe("throttle through the gateway", () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer(`${POLICIES}
incidents:
  defaults: false
  syncIntervalMs: 100
  rules:${RULE}
  playbooks:
    - name: slow-down
      on: { rules: [three-injections] }
      actions:
        - { type: open_incident }
        - { type: throttle, limits: { requestsPerMinute: 2 }, duration: 1h }
`);
  });
  afterAll(() => s.close());

  it("the key is limited to its throttle at once; other keys are not; a revert lifts it", async () => {
    const user = await s.key({ name: "scraper" });
    const bystander = await s.key({ name: "bystander" });
    await attack(s, user.key);
    const [action] = await eventually(async () => {
      const found = await activeActions(s, user.id);
      return found.length ? found : undefined;
    });
    expect(action).toMatchObject({ type: "throttle", params: { limits: { requestsPerMinute: 2 } } });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await s.call("POST", "/v1/chat/completions", user.key, chat(`hello ${i}`));
      statuses.push(res.status);
      if (res.status === 429) expect(code(res.json)).toBe("PCX_RATE_LIMITED");
    }
    expect(statuses).toContain(429);
    expect(statuses.filter((x) => x === 200).length).toBeLessThanOrEqual(2);
    for (let i = 0; i < 5; i++) {
      expect((await s.call("POST", "/v1/chat/completions", bystander.key, chat(`hi ${i}`))).status).toBe(200);
    }
    const reverted = await s.call("POST", `/admin/v1/actions/${action!.id as string}/revert`, s.adminKey, {
      note: "false alarm",
    });
    expect(reverted.json).toMatchObject({ state: "reverted", detail: "false alarm" });
    for (let i = 0; i < 5; i++) {
      expect((await s.call("POST", "/v1/chat/completions", user.key, chat(`again ${i}`))).status).toBe(200);
    }
  });
});

describe("require_policy through the gateway", () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer(`${POLICIES}
incidents:
  defaults: false
  syncIntervalMs: 100
  rules:${RULE}
  playbooks:
    - name: tighten
      on: { rules: [three-injections] }
      actions:
        - { type: open_incident }
        - { type: require_policy, policy: strict }
`);
  });
  afterAll(() => s.close());

  it("the key is judged by the stricter policy until the action is reverted", async () => {
    const user = await s.key({ name: "intern" });
    const pii = chat("Please draft a reply to jane.doe@example.com about her order.");
    expect((await s.call("POST", "/v1/chat/completions", user.key, pii)).status).toBe(200);
    await attack(s, user.key);
    const [action] = await eventually(async () => {
      const found = await activeActions(s, user.id);
      return found.length ? found : undefined;
    });
    expect(action).toMatchObject({ type: "require_policy", expires_at: null, params: { policy: "strict" } });
    const blocked = await s.call("POST", "/v1/chat/completions", user.key, pii);
    expect(blocked.status).toBe(403);
    expect(code(blocked.json)).toBe("PCX_POLICY_BLOCKED");
    // Another key is still judged by its own policies only.
    const other = await s.key({ name: "other" });
    expect((await s.call("POST", "/v1/chat/completions", other.key, pii)).status).toBe(200);
    await s.call("POST", `/admin/v1/actions/${action!.id as string}/revert`, s.adminKey, {});
    expect((await s.call("POST", "/v1/chat/completions", user.key, pii)).status).toBe(200);
  });
});

describe("start-up refuses playbooks that cannot work", () => {
  it("a require_policy naming a policy that does not exist stops the start", async () => {
    await expect(
      startTestServer(`
incidents:
  defaults: false
  rules:${RULE}
  playbooks:
    - name: bad
      actions: [{ type: require_policy, policy: missing }]
`),
    ).rejects.toThrow(/requires policy "missing", which is not configured/);
  });
});
