import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  createNotifier,
  type Notification,
  type Trigger,
  type WebhookTarget,
} from "../../src/incidents/index.js";
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, signWebhook, verifyWebhook } from "../../src/siem/index.js";
import type { IncidentRecord, ResponseActionRecord } from "../../src/store/index.js";
import { blockedInjection, cleanupTmp, harness, injectionRule, T0, type Harness } from "./helpers.js";
import { startReceiver, type Receiver } from "./receiver.js";

const SECRET = "whsec-test-0123456789abcdef";
const signer = { signatureHeader: SIGNATURE_HEADER, timestampHeader: TIMESTAMP_HEADER, sign: signWebhook };

let receiver: Receiver;
beforeEach(async () => {
  receiver = await startReceiver();
});
afterEach(async () => {
  await receiver.close();
  cleanupTmp();
});

const target = (over: Partial<WebhookTarget> = {}): WebhookTarget => ({
  name: "soc",
  url: receiver.url,
  secret: SECRET,
  format: "json",
  minSeverity: "low",
  timeoutMs: 2000,
  attempts: 3,
  ...over,
});

const trigger: Trigger = {
  rule: injectionRule,
  keyId: "key_alice",
  keyName: "alice <ops> & co",
  team: "red",
  time: T0,
  event: blockedInjection(0),
  count: 3,
  eventIds: ["e1"],
  requestIds: ["r1"],
  reasons: ["Three blocked injections (3 in 600 s)"],
  owasp: ["LLM01"],
  atlas: ["AML.T0051"],
  score: 0.98,
};

const incident = {
  id: "0190f0f0-0000-7000-8000-000000000001",
  type: "prompt_injection",
  ruleId: "three-injections",
  title: "Three blocked injections — key alice",
  severity: "high",
  status: "open",
  keyId: "key_alice",
  team: "red",
  owasp: ["LLM01"],
  atlas: ["AML.T0051"],
  firstSeen: T0,
  lastSeen: T0,
  eventCount: 3,
  evidence: { rules: ["three-injections"], reasons: [], eventIds: [], requestIds: [], playbooks: [] },
  createdAt: T0,
  updatedAt: T0,
  acknowledgedAt: null,
  acknowledgedBy: null,
  resolvedAt: null,
  resolvedBy: null,
} satisfies IncidentRecord;

const suspended: ResponseActionRecord = {
  id: "0190f0f0-0000-7000-8000-000000000002",
  incidentId: incident.id,
  type: "suspend_key",
  keyId: "key_alice",
  playbook: "contain",
  ruleId: "three-injections",
  params: { duration: 3_600_000 },
  state: "active",
  createdAt: T0,
  expiresAt: T0 + 3_600_000,
  endedAt: null,
  endedBy: null,
  detail: null,
};

const notification: Notification = {
  kind: "incident.opened",
  incident,
  trigger,
  actions: [suspended],
  severity: "high",
};

describe("webhook notifications", () => {
  it("signs the JSON document so a receiver can verify it (HMAC-SHA-256 over timestamp.body)", async () => {
    const notifier = createNotifier([target()], { signer, publicUrl: "https://gw.example.com/" });
    const [result] = await notifier.send(undefined, notification);
    expect(result).toMatchObject({ webhook: "soc", ok: true, attempts: 1, detail: "HTTP 200" });
    const [got] = receiver.received;
    const headers = {
      signature: got!.headers[SIGNATURE_HEADER] as string,
      timestamp: got!.headers[TIMESTAMP_HEADER] as string,
    };
    expect(headers.signature).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(verifyWebhook(SECRET, headers, got!.body)).toBe(true);
    // A changed body, or another secret, does not verify.
    expect(verifyWebhook(SECRET, headers, Buffer.concat([got!.body, Buffer.from(" ")]))).toBe(false);
    expect(verifyWebhook("other-secret", headers, got!.body)).toBe(false);
    expect(got!.headers["x-portcullis-event"]).toBe("incident.opened");
    const doc = JSON.parse(got!.body.toString("utf8"));
    expect(doc).toMatchObject({
      type: "incident.opened",
      version: 1,
      severity: "high",
      incident: {
        id: incident.id,
        key_id: "key_alice",
        atlas: ["AML.T0051"],
        url: `https://gw.example.com/admin/v1/incidents/${incident.id}`,
      },
      trigger: { rule: "three-injections", score: 0.98, request_ids: ["r1"] },
      actions: [{ type: "suspend_key", state: "active", expires_at: new Date(T0 + 3_600_000).toISOString() }],
    });
  });

  it("slack format: a {text, blocks} message with mrkdwn escaped", async () => {
    const notifier = createNotifier([target({ format: "slack", secret: undefined })], { signer });
    await notifier.send(undefined, notification);
    const [got] = receiver.received;
    // No secret: no signature headers (Slack's URL is itself the secret).
    expect(got!.headers[SIGNATURE_HEADER]).toBeUndefined();
    const message = JSON.parse(got!.body.toString("utf8")) as {
      text: string;
      blocks: { type: string; text?: { type: string; text: string }; elements?: { text: string }[] }[];
    };
    expect(message.text).toContain("Security incident [HIGH]: Three blocked injections");
    expect(message.blocks[0]!.type).toBe("section");
    expect(message.blocks[0]!.text!.type).toBe("mrkdwn");
    const body = message.blocks[0]!.text!.text;
    expect(body).toContain("alice &lt;ops&gt; &amp; co");
    expect(body).not.toContain("<ops>");
    expect(body).toContain("Mapping: LLM01, AML.T0051");
    expect(body).toContain(`Response: key suspended until ${new Date(T0 + 3_600_000).toISOString()}`);
    expect(message.blocks[1]).toEqual({
      type: "context",
      elements: [{ type: "mrkdwn", text: `incident ${incident.id}` }],
    });
  });

  it("retries a 5xx with backoff, and each attempt carries a fresh valid signature", async () => {
    receiver.script.push(503, 500);
    const notifier = createNotifier([target()], { signer, retryDelayMs: 5 });
    const [result] = await notifier.send(undefined, notification);
    expect(result).toMatchObject({ ok: true, attempts: 3, detail: "HTTP 200" });
    expect(receiver.received).toHaveLength(3);
    for (const got of receiver.received) {
      const headers = {
        signature: got.headers[SIGNATURE_HEADER] as string,
        timestamp: got.headers[TIMESTAMP_HEADER] as string,
      };
      expect(verifyWebhook(SECRET, headers, got.body)).toBe(true);
    }
  });

  it("gives up after the configured attempts, and does not retry a 4xx other than 408/429", async () => {
    receiver.script.push(500, 500, 500, 500);
    const notifier = createNotifier([target({ attempts: 2 })], { signer, retryDelayMs: 5 });
    expect(await notifier.send(undefined, notification)).toEqual([
      { webhook: "soc", ok: false, detail: "HTTP 500", attempts: 2 },
    ]);
    receiver.received.length = 0;
    receiver.script.length = 0;
    receiver.script.push(404);
    expect(await notifier.send(undefined, notification)).toEqual([
      { webhook: "soc", ok: false, detail: "HTTP 404", attempts: 1 },
    ]);
    receiver.script.push(429);
    expect((await notifier.send(undefined, notification))[0]).toMatchObject({ ok: true, attempts: 2 });
  });

  it("a receiver that is down is a failed delivery with the transport error, never the URL", async () => {
    const url = receiver.url.replace(/\/hook$/, "/secret-token-in-path");
    await receiver.close();
    const notifier = createNotifier([target({ url, attempts: 2 })], { signer, retryDelayMs: 5 });
    const [result] = await notifier.send(undefined, notification);
    expect(result!.ok).toBe(false);
    expect(result!.detail).toMatch(/^[A-Z_]+|Error$/);
    expect(result!.detail).not.toContain("secret-token");
    receiver = await startReceiver(); // for afterEach
  });

  it("sends only to the named webhooks and to those whose minimum severity is met", async () => {
    const other = await startReceiver();
    try {
      const notifier = createNotifier(
        [target(), target({ name: "pager", url: other.url, minSeverity: "critical" })],
        { signer },
      );
      expect((await notifier.send(undefined, notification)).map((r) => r.webhook)).toEqual(["soc"]);
      expect(
        (await notifier.send(["pager"], { ...notification, severity: "critical" })).map((r) => r.webhook),
      ).toEqual(["pager"]);
      expect(other.received).toHaveLength(1);
      expect(receiver.received).toHaveLength(1);
    } finally {
      await other.close();
    }
  });
});

describe("notify through the responder", () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it("a trigger's notification arrives signed, and the delivery is itself a recorded, audited action", async () => {
    h = harness({
      rules: [injectionRule],
      playbooks: [{ name: "tell", on: {}, actions: [{ type: "open_incident" }, { type: "notify" }] }],
      webhooks: [target()],
      notifier: "real",
    });
    await h.incidents.responder.handle([blockedInjection(0), blockedInjection(1), blockedInjection(2)]);
    await h.incidents.responder.close();
    expect(receiver.received).toHaveLength(1);
    const got = receiver.received[0]!;
    expect(
      verifyWebhook(
        SECRET,
        {
          signature: got.headers[SIGNATURE_HEADER] as string,
          timestamp: got.headers[TIMESTAMP_HEADER] as string,
        },
        got.body,
      ),
    ).toBe(true);
    const actions = await h.store.incidents!.listActions({ limit: 10 });
    const notify = actions.find((a) => a.type === "notify")!;
    expect(notify).toMatchObject({ state: "done", params: { webhooks: ["soc"] } });
    expect(notify.detail).toBe("soc: HTTP 200 after 1 attempt(s)");
    expect(h.events.map((e) => e.activity)).toContain("response.notify");
  });

  it("a failed delivery is recorded as failed", async () => {
    receiver.script.push(500, 500, 500);
    h = harness({
      rules: [injectionRule],
      playbooks: [{ name: "tell", on: {}, actions: [{ type: "open_incident" }, { type: "notify" }] }],
      webhooks: [target()],
      notifier: "real",
    });
    await h.incidents.responder.handle([blockedInjection(0), blockedInjection(1), blockedInjection(2)]);
    await h.incidents.responder.close();
    const notify = (await h.store.incidents!.listActions({ limit: 10 })).find((a) => a.type === "notify")!;
    expect(notify.state).toBe("failed");
    const event = h.events.find((e) => e.activity === "response.notify")!;
    expect(event.severity).toBe("high");
  });
});
