import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verifyWebhook } from "../../src/siem/index.js";
import { createKey, post, startGateway, type StartedGateway } from "../e2e/helpers/gateway.js";
import { startReceiver, type Receiver } from "./receiver.js";
import { eventually } from "./server.js";

/**
 * Acceptance (issue 7): a scripted model-extraction run against the real built binary with the
 * `demo` provider and the shipped analytics and incident defaults. Behaviour analytics scores the
 * key, the shipped `model-extraction` rule (score ≥ 0.9) fires, the key is suspended automatically,
 * a signed notification reaches a local webhook, the incident is in the admin API, and the key
 * works again once a person resumes it.
 */

const SECRET = "whsec-extraction-e2e";
type Json = Record<string, unknown>;

/** A task space: 8 instructions × 6 objects, 48 templates (lower case: capitalised words are masked). */
const VERBS = ["classify", "translate", "summarise", "paraphrase", "rate", "tag", "explain", "simplify"];
const OBJECTS = [
  "the sentiment of",
  "the tone of",
  "each word of",
  "the topic of",
  "the intent of",
  "the style of",
];
const TASKS = VERBS.flatMap((v) => OBJECTS.map((o) => `please ${v} ${o}`));
const WORDS = (
  "river orchard lantern copper meadow harbor violet granite thistle ember falcon quarry willow saddle " +
  "pepper cobalt marble tundra plume beacon canyon juniper mosaic nectar obsidian pioneer quartz raven " +
  "sorrel timber umber vessel walnut yarrow zephyr anchor bramble cinder drift fable glacier hollow ivory"
).split(" ");

/** A distiller's traffic: one template with varying slots over a task space, logprobs at temperature 0. */
function extractionRequest(i: number): Json {
  let x = (i * 2654435761) >>> 0;
  const words = Array.from({ length: 12 }, () => {
    x = (x * 1103515245 + 12345) >>> 0;
    return WORDS[x % WORDS.length];
  }).join(" ");
  return {
    model: "demo-chat",
    messages: [{ role: "user", content: `${TASKS[i % TASKS.length]} this text: ${words}` }],
    temperature: 0,
    logprobs: true,
    top_logprobs: 5,
    max_tokens: 16,
  };
}

describe("model extraction e2e (built binary, shipped defaults)", () => {
  let gateway: StartedGateway;
  let receiver: Receiver;

  beforeAll(async () => {
    receiver = await startReceiver();
    gateway = await startGateway({
      env: { PCX_E2E_HOOK_SECRET: SECRET },
      config: `
providers:
  demo: { type: demo }
models:
  - { name: demo-chat, provider: demo }
incidents:
  syncIntervalMs: 200
  webhooks:
    soc: { url: "${receiver.url}", secret: env:PCX_E2E_HOOK_SECRET }
`,
    });
  });
  afterAll(async () => {
    await gateway?.stop();
    await receiver?.close();
  });

  const admin = async (path: string): Promise<Json> => {
    const res = await fetch(`${gateway.url}${path}`, {
      headers: { authorization: `Bearer ${gateway.adminKey}` },
    });
    return (await res.json()) as Json;
  };

  it("gets the extracting key suspended, signed webhook, incident in the admin API; a resumed key works again", async () => {
    const attacker = await createKey(gateway, { name: "distiller", team: "research" });
    const url = `${gateway.url}/v1/chat/completions`;
    const statuses: number[] = [];
    let suspendedAt: number | undefined;
    for (let i = 0; i < 600 && suspendedAt === undefined; i++) {
      const res = await post(url, attacker.key, extractionRequest(i));
      statuses.push(res.status);
      if (res.status === 401) suspendedAt = i;
    }
    // The target: extraction is caught within its first 300 requests.
    expect(suspendedAt).toBeDefined();
    expect(suspendedAt!).toBeLessThan(300);
    // Before the suspension, the suspected-extraction rule (score ≥ 0.7) throttled the key.
    expect(statuses.slice(0, suspendedAt).every((s) => s === 200 || s === 429)).toBe(true);

    // The incident, escalated to critical by the model-extraction rule.
    const incidents = (await admin(`/admin/v1/incidents?key_id=${attacker.id}`)).data as Json[];
    expect(incidents).toHaveLength(1);
    const incident = incidents[0]!;
    expect(incident).toMatchObject({ type: "model_extraction", severity: "critical", status: "open" });
    expect(incident.atlas).toContain("AML.T0024.002");
    expect(incident.owasp).toContain("LLM10");
    const evidence = incident.evidence as { rules: string[]; reasons: string[] };
    expect(evidence.rules).toEqual(expect.arrayContaining(["model-extraction"]));
    // The analytics engine's readable reasons travel into the incident.
    expect(evidence.reasons.join(" ")).toMatch(/novel prompts from \d+ templates/);
    const detail = await admin(`/admin/v1/incidents/${incident.id as string}`);
    const suspension = (detail.actions as Json[]).find((a) => a.type === "suspend_key")!;
    // The shipped contain-critical playbook: an hour, so a false positive heals itself.
    expect(suspension).toMatchObject({ state: "active", playbook: "contain-critical" });
    const hour = Date.parse(suspension.expires_at as string) - Date.parse(suspension.created_at as string);
    expect(hour).toBe(3_600_000);

    // The webhook got signed notifications; the last says the key was suspended.
    await receiver.waitFor(1);
    const docs = await eventually(async () => {
      const all = receiver.received.map((r) => {
        const headers = {
          signature: r.headers[SIGNATURE_HEADER] as string,
          timestamp: r.headers[TIMESTAMP_HEADER] as string,
        };
        expect(verifyWebhook(SECRET, headers, r.body)).toBe(true);
        return JSON.parse(r.body.toString("utf8")) as Json;
      });
      const escalated = all.find((d) => (d.actions as Json[]).some((a) => a.type === "suspend_key"));
      return escalated ? all : undefined;
    });
    const suspendedDoc = docs.find((d) => (d.actions as Json[]).some((a) => a.type === "suspend_key"))!;
    expect(suspendedDoc).toMatchObject({
      severity: "critical",
      incident: { id: incident.id, type: "model_extraction" },
      trigger: { rule: "model-extraction", key_id: attacker.id },
    });
    expect((suspendedDoc.trigger as Json).score as number).toBeGreaterThanOrEqual(0.9);

    // A person resumes the key: it works again (still under the shipped throttle for the hour).
    const resumed = await post(`${gateway.url}/admin/v1/keys/${attacker.id}/resume`, gateway.adminKey, {});
    expect(resumed.status).toBe(200);
    const ok = await eventually(async () => {
      const res = await post(url, attacker.key, {
        model: "demo-chat",
        messages: [{ role: "user", content: "Hello again" }],
      });
      expect(res.status).not.toBe(401);
      return res.status === 200 ? res : undefined;
    }, 15_000);
    expect(ok.status).toBe(200);
    await eventually(async () => {
      const actions = (await admin(`/admin/v1/incidents/${incident.id as string}`)).actions as Json[];
      const s = actions.find((a) => a.type === "suspend_key");
      return s?.state === "superseded" ? s : undefined;
    });
  });
});
