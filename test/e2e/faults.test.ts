import Anthropic from "@anthropic-ai/sdk";
import { request } from "node:http";
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKey, post, randomKey, startGateway, type StartedGateway } from "./helpers/gateway.js";
import { startMockUpstream, type MockUpstream } from "./helpers/mock-upstream.js";

const PROVIDER_KEY = "sk-mock-provider-key-0123456789abcdef";

function config(mock: MockUpstream): string {
  const model = (name: string, upstream = name) =>
    `  - { name: ${name}, provider: mock, upstreamModel: ${upstream} }`;
  return `
server:
  bodyLimit: 65536
  headersTimeoutMs: 1000
  requestTimeoutMs: 2000
providers:
  mock:
    type: openai
    baseUrl: "${mock.url}/v1"
    apiKey: "env:MOCK_PROVIDER_KEY"
    timeouts: { connectMs: 1000, headersMs: 800, bodyMs: 800 }
  down:
    type: openai
    baseUrl: "http://127.0.0.1:9/v1"
    timeouts: { connectMs: 1000, headersMs: 1000, bodyMs: 1000 }
  anth:
    type: anthropic
    baseUrl: "${mock.url}/v1"
    apiKey: "env:MOCK_PROVIDER_KEY"
  demo: { type: demo }
models:
${["ok", "midstream", "hang", "nodone", "slow", "e500", "e429", "e401", "leak", "notjson"].map((m) => model(m)).join("\n")}
  - { name: unreachable, provider: down }
  - { name: demo-chat, provider: demo }
  - { name: claude-mock, provider: anth, upstreamModel: claude-upstream-id }
`;
}

describe("authentication, authorisation and bad input", () => {
  let mock: MockUpstream;
  let gateway: StartedGateway;
  const chat = (model = "ok", extra: Record<string, unknown> = {}) => ({
    model,
    messages: [{ role: "user", content: "hi" }],
    ...extra,
  });

  beforeAll(async () => {
    mock = await startMockUpstream();
    gateway = await startGateway({ config: config(mock), env: { MOCK_PROVIDER_KEY: PROVIDER_KEY } });
  });
  afterAll(async () => {
    await gateway.stop();
    await mock.close();
  });

  const url = () => `${gateway.url}/v1/chat/completions`;

  it("no key → 401 PCX_AUTH_MISSING_KEY", async () => {
    const res = await post(url(), undefined, chat());
    expect(res.status).toBe(401);
    expect((res.json.error as { code: string }).code).toBe("PCX_AUTH_MISSING_KEY");
  });

  it("wrong and malformed keys → 401 PCX_AUTH_INVALID_KEY", async () => {
    for (const key of [randomKey(), "pcx_short", "sk-not-ours", "Bearer"]) {
      const res = await post(url(), key, chat());
      expect(res.status).toBe(401);
      expect((res.json.error as { code: string }).code).toBe("PCX_AUTH_INVALID_KEY");
    }
  });

  it("the x-api-key header is accepted too (Anthropic clients)", async () => {
    const res = await post(url(), undefined, chat(), { "x-api-key": gateway.adminKey });
    expect(res.status).toBe(200);
  });

  it("suspended, resumed, revoked keys", async () => {
    const { key, id } = await createKey(gateway, { name: "lifecycle" });
    expect((await post(url(), key, chat())).status).toBe(200);
    await post(`${gateway.url}/admin/v1/keys/${id}/suspend`, gateway.adminKey, {});
    const suspended = await post(url(), key, chat());
    expect(suspended.status).toBe(401);
    expect((suspended.json.error as { code: string }).code).toBe("PCX_AUTH_KEY_SUSPENDED");
    await post(`${gateway.url}/admin/v1/keys/${id}/resume`, gateway.adminKey, {});
    expect((await post(url(), key, chat())).status).toBe(200);
    await post(`${gateway.url}/admin/v1/keys/${id}/revoke`, gateway.adminKey, {});
    const revoked = await post(url(), key, chat());
    expect(revoked.status).toBe(401);
    expect((revoked.json.error as { code: string }).code).toBe("PCX_AUTH_KEY_REVOKED");
    const resume = await post(`${gateway.url}/admin/v1/keys/${id}/resume`, gateway.adminKey, {});
    expect(resume.status).toBe(400);
  });

  it("admin API: read, update and delete (revoke) a key", async () => {
    const { key, id } = await createKey(gateway, { name: "editable", models: ["ok"] });
    const auth = { authorization: `Bearer ${gateway.adminKey}`, "content-type": "application/json" };
    const read = (await (
      await fetch(`${gateway.url}/admin/v1/keys/${id}`, { headers: auth })
    ).json()) as Record<string, unknown>;
    expect(read).toMatchObject({ id, name: "editable", models: ["ok"], status: "active" });
    expect(JSON.stringify(read)).not.toContain(key);
    const patched = await fetch(`${gateway.url}/admin/v1/keys/${id}`, {
      method: "PATCH",
      headers: auth,
      body: JSON.stringify({ models: ["demo-chat"], name: "renamed" }),
    });
    expect(await patched.json()).toMatchObject({ name: "renamed", models: ["demo-chat"] });
    expect((await post(url(), key, chat("ok"))).status).toBe(403);
    expect((await post(url(), key, chat("demo-chat"))).status).toBe(200);
    const bad = await fetch(`${gateway.url}/admin/v1/keys/${id}`, {
      method: "PATCH",
      headers: auth,
      body: JSON.stringify({ hash: "x" }),
    });
    expect(bad.status).toBe(400);
    const deleted = await fetch(`${gateway.url}/admin/v1/keys/${id}`, { method: "DELETE", headers: auth });
    expect(await deleted.json()).toMatchObject({ status: "revoked" });
    expect((await post(url(), key, chat("demo-chat"))).status).toBe(401);
    expect((await fetch(`${gateway.url}/admin/v1/keys/key_nope`, { headers: auth })).status).toBe(404);
  });

  it("expired key → 401 PCX_AUTH_KEY_EXPIRED", async () => {
    const { key } = await createKey(gateway, { name: "short-lived", expires: "1s" });
    expect((await post(url(), key, chat())).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1100));
    const res = await post(url(), key, chat());
    expect(res.status).toBe(401);
    expect((res.json.error as { code: string }).code).toBe("PCX_AUTH_KEY_EXPIRED");
  });

  it("a model outside the key's allow-list → 403, and it is hidden from /v1/models", async () => {
    const { key } = await createKey(gateway, { name: "narrow", models: ["demo-chat"] });
    const res = await post(url(), key, chat("ok"));
    expect(res.status).toBe(403);
    expect((res.json.error as { code: string }).code).toBe("PCX_MODEL_NOT_ALLOWED");
    expect((await post(url(), key, chat("demo-chat"))).status).toBe(200);
    const models = (await (
      await fetch(`${gateway.url}/v1/models`, { headers: { authorization: `Bearer ${key}` } })
    ).json()) as {
      data: { id: string }[];
    };
    expect(models.data.map((m) => m.id)).toEqual(["demo-chat"]);
  });

  it("a user key cannot use the admin API; an auditor can only read events", async () => {
    const { key: user } = await createKey(gateway, { name: "u" });
    expect((await post(`${gateway.url}/admin/v1/keys`, user, { name: "x" })).status).toBe(403);
    const { key: auditor } = await createKey(gateway, { name: "a", role: "auditor" });
    expect((await post(`${gateway.url}/admin/v1/keys`, auditor, { name: "x" })).status).toBe(403);
    const events = await fetch(`${gateway.url}/admin/v1/events?limit=5`, {
      headers: { authorization: `Bearer ${auditor}` },
    });
    expect(events.status).toBe(200);
  });

  it("unknown model → 404", async () => {
    const res = await post(url(), gateway.adminKey, chat("gpt-nope"));
    expect(res.status).toBe(404);
    expect((res.json.error as { code: string }).code).toBe("PCX_MODEL_NOT_FOUND");
  });

  it("oversized body → 413", async () => {
    const res = await post(url(), gateway.adminKey, chat("ok", { padding: "x".repeat(70_000) }));
    expect(res.status).toBe(413);
    expect((res.json.error as { code: string }).code).toBe("PCX_BODY_TOO_LARGE");
  });

  it("malformed JSON → 400; invalid UTF-8 → 400; too deep → 400; wrong content type → 415", async () => {
    const bad = await post(url(), gateway.adminKey, '{"model": "ok", "messages": [');
    expect(bad.status).toBe(400);
    expect((bad.json.error as { code: string }).code).toBe("PCX_INVALID_JSON");

    const utf8 = await fetch(url(), {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${gateway.adminKey}` },
      body: Buffer.concat([
        Buffer.from('{"model":"ok","messages":[{"role":"user","content":"'),
        Buffer.from([0xc3, 0x28]),
        Buffer.from('"}]}'),
      ]),
    });
    expect(utf8.status).toBe(400);
    expect(((await utf8.json()) as { error: { code: string } }).error.code).toBe("PCX_INVALID_UTF8");

    const deep = await post(
      url(),
      gateway.adminKey,
      `{"model":"ok","x":${"[".repeat(100)}${"]".repeat(100)}}`,
    );
    expect(deep.status).toBe(400);
    expect((deep.json.error as { code: string }).code).toBe("PCX_JSON_TOO_DEEP");

    const proto = await post(
      url(),
      gateway.adminKey,
      '{"model":"ok","messages":[{"role":"user","content":"x"}],"__proto__":{"admin":true}}',
    );
    expect(proto.status).toBe(400);
    expect((proto.json.error as { code: string; message: string }).message).toContain("__proto__");

    const text = await post(url(), gateway.adminKey, "hello", { "content-type": "text/plain" });
    expect(text.status).toBe(415);
  });

  it("schema violations → 400 PCX_INVALID_REQUEST naming the field", async () => {
    const res = await post(url(), gateway.adminKey, {
      model: "ok",
      messages: [{ role: "wizard", content: "x" }],
    });
    expect(res.status).toBe(400);
    expect((res.json.error as { code: string; message: string }).message).toContain("messages.0.role");
  });

  it("slowloris: a client dripping headers or body is cut off at the deadline", async () => {
    const { hostname, port } = new URL(gateway.url);
    const drip = (opening: string, byte: string) =>
      new Promise<{ ms: number; reply: string }>((resolve) => {
        const started = Date.now();
        let reply = "";
        const socket = connect(Number(port), hostname, () => socket.write(opening));
        const timer = setInterval(() => socket.writable && socket.write(byte), 200);
        socket.on("data", (d) => (reply += d.toString()));
        socket.on("close", () => {
          clearInterval(timer);
          resolve({ ms: Date.now() - started, reply });
        });
        socket.on("error", () => {});
        setTimeout(() => socket.destroy(), 10_000);
      });
    const headers = await drip("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n", "X-Slow: y\r\n");
    expect(headers.ms).toBeLessThan(5000);
    expect(headers.reply).toMatch(/^HTTP\/1\.1 408/);
    const body = await drip(
      `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAuthorization: Bearer ${gateway.adminKey}\r\nContent-Length: 1000\r\n\r\n{`,
      " ",
    );
    expect(body.ms).toBeLessThan(6000);
    expect((await fetch(`${gateway.url}/healthz`)).status).toBe(200);
  });

  it("the provider key is injected upstream; the client's key is never forwarded", async () => {
    const res = await post(url(), gateway.adminKey, chat("ok"));
    expect(res.status).toBe(200);
    const seen = mock.requests.at(-1)!;
    expect(seen.headers.authorization).toBe(`Bearer ${PROVIDER_KEY}`);
    expect(JSON.stringify(seen.headers)).not.toContain(gateway.adminKey);
    expect(res.headers.get("x-portcullis-overhead-ms")).toMatch(/^\d+\.\d\d$/);
  });

  it("anthropic provider: key and version injected, streamed and plain answers relayed", async () => {
    const client = new Anthropic({ baseURL: gateway.url, apiKey: gateway.adminKey, maxRetries: 0 });
    const message = await client.messages.create({
      model: "claude-mock",
      max_tokens: 50,
      messages: [{ role: "user", content: "hi" }],
    });
    expect(message.content[0]!.type === "text" && message.content[0]!.text).toBe(
      "Hello from the Anthropic mock.",
    );
    const seen = mock.requests.at(-1)!;
    expect(seen.path).toBe("/v1/messages");
    expect(seen.headers["x-api-key"]).toBe(PROVIDER_KEY);
    expect(seen.headers["anthropic-version"]).toBeTruthy();
    expect(seen.headers.authorization).toBeUndefined();
    expect(seen.body.model).toBe("claude-upstream-id");
    const stream = client.messages.stream({
      model: "claude-mock",
      max_tokens: 50,
      messages: [{ role: "user", content: "hi" }],
    });
    const final = await stream.finalMessage();
    expect(final.usage.output_tokens).toBe(5);
    expect(final.content[0]!.type === "text" && final.content[0]!.text).toBe(
      "Hello from the Anthropic mock.",
    );
    // An Anthropic-only model cannot be called through the OpenAI chat route.
    const wrong = await post(url(), gateway.adminKey, chat("claude-mock"));
    expect(wrong.status).toBe(400);
    expect((wrong.json.error as { code: string }).code).toBe("PCX_MODEL_WRONG_ENDPOINT");
  });

  it("upstream down → 502; upstream timeout → 504", async () => {
    const down = await post(url(), gateway.adminKey, chat("unreachable"));
    expect(down.status).toBe(502);
    expect((down.json.error as { code: string }).code).toBe("PCX_UPSTREAM_UNAVAILABLE");
    const slow = await post(url(), gateway.adminKey, chat("hang"));
    expect(slow.status).toBe(504);
    expect((slow.json.error as { code: string }).code).toBe("PCX_UPSTREAM_TIMEOUT");
  });

  it("upstream errors are mapped faithfully; the provider's 401 becomes a 502", async () => {
    const e500 = await post(url(), gateway.adminKey, chat("e500"));
    expect(e500.status).toBe(500);
    expect((e500.json.error as { message: string }).message).toBe("upstream exploded");
    const e429 = await post(url(), gateway.adminKey, chat("e429"));
    expect(e429.status).toBe(429);
    const e401 = await post(url(), gateway.adminKey, chat("e401"));
    expect(e401.status).toBe(502);
    const notJson = await post(url(), gateway.adminKey, chat("notjson"));
    expect(notJson.status).toBe(502);
    expect((notJson.json.error as { code: string }).code).toBe("PCX_UPSTREAM_BAD_RESPONSE");
  });

  it("an upstream error that echoes the provider key is scrubbed", async () => {
    const res = await post(url(), gateway.adminKey, chat("leak"));
    expect(res.status).toBe(400);
    expect(res.text).not.toContain(PROVIDER_KEY);
    expect(res.text).toContain("[REDACTED]");
  });

  it("upstream dying mid-stream ends the client's stream with a well-formed error event", async () => {
    for (const model of ["midstream", "nodone"]) {
      const res = await post(url(), gateway.adminKey, chat(model, { stream: true }));
      expect(res.status).toBe(200);
      const events = res.text.split("\n\n").filter(Boolean);
      const last = JSON.parse(events.at(-1)!.replace(/^data: /, "")) as { error: { code: string } };
      expect(last.error.code).toBe("PCX_UPSTREAM_STREAM_BROKEN");
      expect(res.text).not.toContain("[DONE]");
    }
  });

  it("a client that disconnects mid-stream aborts the upstream request", async () => {
    const before = mock.requests.length;
    const target = new URL(url());
    await new Promise<void>((resolve, reject) => {
      const req = request(
        {
          host: target.hostname,
          port: target.port,
          path: target.pathname,
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${gateway.adminKey}` },
        },
        (res) => {
          res.once("data", () => {
            req.destroy();
            resolve();
          });
        },
      );
      req.on("error", () => {});
      req.on("close", resolve);
      setTimeout(() => reject(new Error("no data")), 5000);
      req.end(JSON.stringify(chat("slow", { stream: true })));
    });
    await expect.poll(() => mock.requests.slice(before).some((r) => r.aborted), { timeout: 5000 }).toBe(true);
  });

  it("every request became a security event, listed by the admin API", async () => {
    const res = await fetch(`${gateway.url}/admin/v1/events?limit=500`, {
      headers: { authorization: `Bearer ${gateway.adminKey}` },
    });
    const page = (await res.json()) as {
      data: { decision: { action: string }; error_code?: string; model?: string }[];
    };
    const codes = new Set(page.data.map((e) => e.error_code).filter(Boolean));
    for (const code of [
      "PCX_AUTH_MISSING_KEY",
      "PCX_MODEL_NOT_FOUND",
      "PCX_UPSTREAM_TIMEOUT",
      "PCX_UPSTREAM_STREAM_BROKEN",
    ]) {
      expect(codes).toContain(code);
    }
    expect(page.data.some((e) => e.decision.action === "block")).toBe(true);
    expect(page.data.some((e) => e.decision.action === "allow" && e.model === "ok")).toBe(true);
    const blocked = await fetch(`${gateway.url}/admin/v1/events?decision=block&limit=500`, {
      headers: { authorization: `Bearer ${gateway.adminKey}` },
    });
    const onlyBlocked = (await blocked.json()) as { data: { decision: { action: string } }[] };
    expect(onlyBlocked.data.length).toBeGreaterThan(0);
    expect(onlyBlocked.data.every((e) => e.decision.action === "block")).toBe(true);
  });
});
