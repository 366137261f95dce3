import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SecurityEvent } from "../../src/events/index.js";
import { createKey, post, startGateway, type StartedGateway } from "./helpers/gateway.js";

/**
 * The penalty box through the real server (src/gateway/penalty.ts): once a key's request rate
 * refuses it, its next requests are answered 429 before their bodies are read, with the same
 * headers and shape, and those refusals reach the event log as summaries whose counts add up to
 * every request sent — nothing lost, other keys untouched.
 */

type Json = Record<string, unknown>;
const code = (json: Json) => (json.error as { code?: string } | undefined)?.code;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const chat = (content: string) => ({ model: "demo-chat", messages: [{ role: "user", content }] });

describe("the penalty box", () => {
  let gateway: StartedGateway;
  let flooder: { key: string; id: string };
  let other: { key: string; id: string };
  const url = (path = "/v1/chat/completions") => `${gateway.url}${path}`;

  const events = async (keyId: string): Promise<SecurityEvent[]> => {
    const res = await fetch(`${gateway.url}/admin/v1/events?key_id=${keyId}&limit=500`, {
      headers: { authorization: `Bearer ${gateway.adminKey}` },
    });
    expect(res.status).toBe(200);
    return ((await res.json()) as { data: SecurityEvent[] }).data;
  };

  beforeAll(async () => {
    gateway = await startGateway({
      config: `
limits:
  teams:
    slow: { requestsPerMinute: 6 }
  penaltyBox: { maxBoxMs: 60000, summaryIntervalMs: 200 }
providers:
  demo: { type: demo }
models:
  - { name: demo-chat, provider: demo }
`,
    });
    flooder = await createKey(gateway, { name: "flooder", team: "slow" });
    other = await createKey(gateway, { name: "other", team: "fine" });
  });
  afterAll(async () => {
    await gateway?.stop();
  });

  it("answers a refused key before reading its body, with the normal refusal's headers and shape", async () => {
    for (let i = 0; i < 6; i++) expect((await post(url(), flooder.key, chat("hi"))).status).toBe(200);
    // The limits stage refuses this one after parsing it, and boxes the key.
    const first = await post(url(), flooder.key, chat("hi"));
    expect(first.status).toBe(429);
    expect(code(first.json)).toBe("PCX_RATE_LIMITED");

    // Boxed: malformed JSON gets the same 429, not a 400 — the body was never parsed.
    const boxed = await post(url(), flooder.key, "{not json");
    expect(boxed.status).toBe(429);
    expect(code(boxed.json)).toBe("PCX_RATE_LIMITED");
    expect((boxed.json.error as Json).type).toBe("rate_limit_error");
    expect((boxed.json.error as Json).message).toMatch(/Rate limit of 6 requests per minute for this key/);
    expect(Number(boxed.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(Number(boxed.headers.get("retry-after"))).toBeLessThanOrEqual(10);
    expect(boxed.headers.get("x-ratelimit-limit-requests")).toBe("6");
    expect(boxed.headers.get("x-ratelimit-remaining-requests")).toBe("0");
    expect(boxed.headers.get("x-ratelimit-reset-requests")).toMatch(/^(\d+ms|(\d+m)?\d+(\.\d+)?s)$/);
    const requestId = boxed.headers.get("x-request-id");
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect((boxed.json.error as Json).request_id).toBe(requestId);
    expect(requestId).not.toBe(first.headers.get("x-request-id"));

    // The Anthropic route answers in its own shape.
    const anthropic = await post(url("/v1/messages"), flooder.key, "{}");
    expect(anthropic.status).toBe(429);
    expect(anthropic.json.type).toBe("error");
    expect((anthropic.json.error as Json).code).toBe("PCX_RATE_LIMITED");

    // The connection stays usable after an answer that left the body unread.
    const big = "x".repeat(200_000);
    for (let i = 0; i < 3; i++) expect((await post(url(), flooder.key, chat(big))).status).toBe(429);

    // Other keys, and routes other than the model routes, are untouched.
    expect((await post(url(), other.key, chat("hi"))).status).toBe(200);
    const models = await fetch(`${gateway.url}/v1/models`, {
      headers: { authorization: `Bearer ${flooder.key}` },
    });
    expect(models.status).not.toBe(429);
  });

  it("summarises the boxed refusals into events whose counts add up to every request sent", async () => {
    const counted = (list: SecurityEvent[]) => list.reduce((sum, e) => sum + (e.count ?? 1), 0);
    // Summaries are published every 200 ms: wait until the earlier test's 12 requests (6 admitted,
    // 1 refused by the stage, 5 boxed) are all in.
    const settled = async (atLeast: number): Promise<SecurityEvent[]> => {
      const deadline = Date.now() + 10_000;
      let list = await events(flooder.id);
      while (counted(list) < atLeast && Date.now() < deadline) {
        await sleep(100);
        list = await events(flooder.id);
      }
      await sleep(500); // and nothing more comes after that
      return events(flooder.id);
    };
    const before = await settled(12);
    expect(counted(before)).toBe(12);
    const sent = 25;
    const answers = await Promise.all(
      Array.from({ length: sent }, () => post(url(), flooder.key, chat("again"))),
    );
    expect(answers.every((a) => a.status === 429)).toBe(true);

    const after = await settled(counted(before) + sent);
    expect(counted(after) - counted(before)).toBe(sent);
    const summaries = after.filter((e) => e.count !== undefined);
    expect(summaries.length).toBeGreaterThan(0);
    // Fewer events than requests: that is the point.
    expect(after.length - before.length).toBeLessThan(sent);
    const summary = summaries[0]!;
    expect(summary).toMatchObject({
      class: "api_activity",
      activity: "chat.completions",
      actor: { key_id: flooder.id, team: "slow" },
      http: { method: "POST", path: "/v1/chat/completions", status: 429 },
      decision: { action: "block" },
      error_code: "PCX_RATE_LIMITED",
      details: { summarised: true },
    });
    expect(summary.decision.reasons.join(" ")).toMatch(/refused before their bodies were read/);
    const ids = answers.map((a) => a.headers.get("x-request-id"));
    const details = summaries.map((e) => e.details as Json);
    // Each summary names real first and last requests of the ones answered.
    for (const d of details.filter((x) => ids.includes(x.last_request_id as string))) {
      expect(Date.parse(d.first_at as string)).toBeLessThanOrEqual(Date.parse(d.last_at as string));
    }
    expect(details.some((d) => ids.includes(d.last_request_id as string))).toBe(true);
  });

  it("lets the key through again once its rate limit admits it", async () => {
    // 6 a minute: one more request every 10 s. The box asks the limiter each time, so the first
    // request after the refill is admitted although the box entry (60 s) still stands.
    const started = Date.now();
    const statuses: number[] = [];
    while (Date.now() - started < 15_000) {
      const status = (await post(url(), flooder.key, chat("hi"))).status;
      statuses.push(status);
      if (status !== 429) break;
      await sleep(250);
    }
    expect(statuses.at(-1)).toBe(200);
    expect(statuses.slice(0, -1).every((s) => s === 429)).toBe(true);
    expect((await post(url(), flooder.key, chat("hi"))).status).toBe(429);
  }, 30_000);
});
