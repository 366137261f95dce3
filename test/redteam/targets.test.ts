import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createChatTarget,
  createTemplateTarget,
  endpointOf,
  loadTemplate,
  replyOf,
  select,
  TemplateError,
} from "../../src/redteam/index.js";

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A stand-in for a user's app (and an API): answers by path, records what it got. */
function app(): Promise<{ server: Server; url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      res.setHeader("content-type", "application/json");
      if (req.url === "/api/chat")
        res.end(JSON.stringify({ reply: { parts: [{ text: `echo: ${body.length}` }] } }));
      else if (req.url === "/plain") res.end("plain answer");
      else if (req.url === "/denied") {
        res.statusCode = 403;
        res.end(JSON.stringify({ error: { code: "blocked_by_app", message: "no" } }));
      } else if (req.url === "/v1/messages") {
        res.end(
          JSON.stringify({
            content: [
              { type: "text", text: "hi" },
              { type: "tool_use", name: "send_email", input: { to: "x" } },
            ],
            stop_reason: "tool_use",
            usage: { input_tokens: 7, output_tokens: 3 },
          }),
        );
      } else {
        res.statusCode = 500;
        res.end("{}");
      }
    });
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () =>
      resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen }),
    ),
  );
}

describe("request-template target (the user's own app)", () => {
  let srv: Awaited<ReturnType<typeof app>>;
  const dir = mkdtempSync(join(tmpdir(), "rt-tpl-"));
  beforeAll(async () => {
    srv = await app();
  });
  afterAll(() => new Promise<void>((r) => srv.server.close(() => r())));

  const template = (yaml: string) => {
    const file = join(dir, `t${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(file, yaml);
    return loadTemplate(file);
  };

  it("fills prompt, session, history and env placeholders and reads the answer by selector", async () => {
    const t = template(`
url: ${srv.url}/api/chat
headers: { authorization: "Bearer {{env.APP_TOKEN}}" }
body: { message: "{{prompt}}", conversation: "{{session}}", history: "{{history}}", n: 3 }
answer: $.reply.parts[0].text
`);
    const target = createTemplateTarget(t, { env: { APP_TOKEN: "tok-123" } });
    const reply = await target.send({
      messages: [
        { role: "user", content: "hi" },
        { role: "assistant", content: "hello" },
        { role: "user", content: 'say "x"' },
      ],
      document: "DOC",
      session: "s-1",
    });
    const seen = srv.seen.at(-1)!;
    expect(seen.headers.authorization).toBe("Bearer tok-123");
    expect(seen.headers["content-type"]).toBe("application/json");
    const body = JSON.parse(seen.body) as Record<string, unknown>;
    // No {{document}} in the body: the document goes inline after the prompt.
    expect(body).toEqual({
      message: 'say "x"\n\n<document>\nDOC\n</document>',
      conversation: "s-1",
      history: [
        { role: "user", content: "hi" },
        { role: "assistant", content: "hello" },
        { role: "user", content: 'say "x"' },
      ],
      n: 3,
    });
    expect(reply).toMatchObject({ status: 200, text: `echo: ${seen.body.length}` });
    expect(target.info).toEqual({ type: "http", url: `${srv.url}/api/chat` });
  });

  it("takes a plain-text body as the answer, and a 4xx as blocked", async () => {
    const plain = createTemplateTarget(template(`url: ${srv.url}/plain\nbody: "{{prompt}}"\n`));
    await expect(
      plain.send({ messages: [{ role: "user", content: "q" }], session: "s" }),
    ).resolves.toMatchObject({ text: "plain answer" });
    expect(srv.seen.at(-1)!.body).toBe("q");
    const denied = createTemplateTarget(
      template(`url: ${srv.url}/denied\nbody: { m: "{{prompt}}" }\nanswer: $.x\n`),
    );
    await expect(
      denied.send({ messages: [{ role: "user", content: "q" }], session: "s" }),
    ).resolves.toMatchObject({
      status: 403,
      blocked: { code: "blocked_by_app", message: "no" },
    });
  });

  it("rejects bad templates and missing variables with a clear error", () => {
    expect(() => template(`url: not-a-url\n`)).toThrow(TemplateError);
    expect(() => template(`url: ${srv.url}\nanswer: "reply text"\n`)).toThrow(/expected a selector/);
    expect(() => template(`url: ${srv.url}\nextra: 1\n`)).toThrow(/invalid request template/);
    const t = template(`url: ${srv.url}/api/chat\nheaders: { x-key: "{{env.NOPE}}" }\n`);
    expect(() => createTemplateTarget(t, { env: {} })).toThrow(/environment variable NOPE/);
    expect(select({ a: [{ "b c": 1 }] }, '$.a[0]["b c"]')).toBe(1);
    expect(select({ a: 1 }, "$.a.b.c")).toBeUndefined();
  });
});

describe("model API targets", () => {
  let srv: Awaited<ReturnType<typeof app>>;
  beforeAll(async () => {
    srv = await app();
  });
  afterAll(() => new Promise<void>((r) => srv.server.close(() => r())));

  it("finds the endpoint from a base URL, a /v1 base or the full path", () => {
    expect(endpointOf("http://h:1", "openai")).toBe("http://h:1/v1/chat/completions");
    expect(endpointOf("http://h:1/v1/", "openai")).toBe("http://h:1/v1/chat/completions");
    expect(endpointOf("http://h:1/proxy/v1/messages", "anthropic")).toBe("http://h:1/proxy/v1/messages");
  });

  it("speaks Anthropic: x-api-key, system, the document as a tool result, tool calls parsed", async () => {
    const target = createChatTarget({ type: "anthropic", url: srv.url, model: "claude-x", apiKey: "ak-1" });
    const reply = await target.send({
      system: "SYS",
      messages: [{ role: "user", content: "read it" }],
      document: "DOC",
      tools: [{ name: "send_email", description: "d", parameters: { type: "object" } }],
      session: "s",
    });
    const seen = srv.seen.at(-1)!;
    expect(seen.url).toBe("/v1/messages");
    expect(seen.headers["x-api-key"]).toBe("ak-1");
    expect(seen.headers.authorization).toBeUndefined();
    const body = JSON.parse(seen.body) as {
      system: string;
      max_tokens: number;
      messages: Array<{ role: string; content: unknown }>;
      tools: Array<{ name: string }>;
    };
    expect(body.system).toBe("SYS");
    expect(body.max_tokens).toBe(4096);
    expect(body.messages.at(-1)).toEqual({
      role: "user",
      content: [{ type: "tool_result", tool_use_id: "toolu_rt_doc", content: "DOC" }],
    });
    expect(body.tools.map((t) => t.name)).toEqual(["fetch_document", "send_email"]);
    expect(reply).toMatchObject({
      text: "hi",
      toolCalls: [{ name: "send_email", arguments: '{"to":"x"}' }],
      usage: { promptTokens: 7, completionTokens: 3 },
    });
  });

  it("reports a 5xx as an error, and a refused connection as an error with no status", async () => {
    const broken = createChatTarget({ type: "openai", url: `${srv.url}/broken/v1`, model: "m" });
    const r = await broken.send(
      { messages: [{ role: "user", content: "x" }], session: "s" },
      { timeoutMs: 5000 },
    );
    expect(r).toMatchObject({ status: 500, error: expect.stringMatching(/^HTTP 500/) });
    const down = createChatTarget({ type: "openai", url: "http://127.0.0.1:1", model: "m" });
    const d = await down.send(
      { messages: [{ role: "user", content: "x" }], session: "s" },
      { timeoutMs: 5000 },
    );
    expect(d).toMatchObject({ status: 0, error: expect.stringContaining("ECONNREFUSED") });
  });
});

describe("reading answers (property)", () => {
  it("any status and body give exactly one of answer, blocked or error, never an exception", () => {
    const body = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
    );
    fc.assert(
      fc.property(fc.integer({ min: 100, max: 599 }), body, (status, text) => {
        const parse = (json: Record<string, unknown>) => ({ text: String(json.text ?? ""), toolCalls: [] });
        const r = replyOf({ status, body: text, latencyMs: 1 }, parse);
        const kinds = [r.blocked !== undefined, r.error !== undefined].filter(Boolean).length;
        expect(kinds).toBeLessThanOrEqual(1);
        if (status >= 400 && status < 500 && status !== 408 && status !== 429)
          expect(r.blocked).toBeDefined();
        if (status >= 500 || status === 408 || status === 429) expect(r.error).toMatch(/^HTTP \d{3}/);
        if (r.blocked) expect(r.blocked.message.length).toBeLessThanOrEqual(500);
      }),
      { numRuns: 500 },
    );
  });
});
