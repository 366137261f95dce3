import { connect } from "node:net";
import fc from "fast-check";
import { Pool } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway, type StartedGateway } from "./helpers/gateway.js";

/**
 * Thousands of malformed bodies and headers: the gateway must answer every one with a client
 * error or a success — never a 5xx caused by input, never a crash.
 */
describe("fuzzing the HTTP surface", () => {
  let gateway: StartedGateway;
  let pool: Pool;
  const routes = [
    "/v1/chat/completions",
    "/v1/completions",
    "/v1/embeddings",
    "/v1/messages",
    "/admin/v1/keys",
  ];

  beforeAll(async () => {
    gateway = await startGateway();
    pool = new Pool(gateway.url, { connections: 8 });
  });
  afterAll(async () => {
    await pool.close();
    const code = await gateway.stop();
    expect(code).toBe(0);
    expect(gateway.logs()).not.toMatch(/unhandled|uncaught|internal error/i);
  });

  async function send(path: string, headers: Record<string, string>, body: string | Uint8Array) {
    const res = await pool.request({ method: "POST", path, headers, body });
    await res.body.dump();
    return res.statusCode;
  }

  const validChat = fc.record(
    {
      model: fc.oneof(fc.constant("demo-chat"), fc.constant("demo-embed"), fc.string()),
      messages: fc.array(
        fc.record({
          role: fc.oneof(fc.constantFrom("user", "system", "assistant", "tool"), fc.string()),
          content: fc.oneof(
            fc.string(),
            fc.constant(null),
            fc.array(fc.record({ type: fc.string(), text: fc.string() })),
            fc.integer(),
          ),
        }),
        { maxLength: 4 },
      ),
      stream: fc.oneof(fc.boolean(), fc.string(), fc.constant(null)),
      max_tokens: fc.oneof(fc.integer(), fc.double(), fc.string(), fc.constant(null)),
      n: fc.oneof(fc.integer({ min: -5, max: 200 }), fc.constant(undefined)),
      input: fc.oneof(fc.string(), fc.array(fc.string(), { maxLength: 3 }), fc.integer()),
      prompt: fc.oneof(fc.string(), fc.array(fc.integer()), fc.object()),
      system: fc.oneof(fc.string(), fc.object()),
    },
    { requiredKeys: [] },
  );

  const body = fc.oneof(
    validChat.map((v) => JSON.stringify(v)),
    fc.json(),
    fc.string(),
    fc.uint8Array({ maxLength: 512 }),
    fc.jsonValue().map((v) => JSON.stringify(v).slice(0, -1)),
    fc.integer({ min: 1, max: 3000 }).map((n) => `{"model":"demo-chat","messages":${"[".repeat(n)}`),
  );

  const contentType = fc.oneof(
    fc.constant("application/json"),
    fc.constant("application/json; charset=utf-8"),
    fc.constant("text/plain"),
    fc.constant("application/x-www-form-urlencoded"),
    fc.stringMatching(/^[a-z]{1,10}\/[a-z+.-]{1,20}$/),
  );

  const authorization = fc.oneof(
    fc.constant(undefined),
    fc.constant("admin"),
    fc.stringMatching(/^[\x21-\x7e]{0,80}$/).map((s) => `Bearer ${s}`),
    fc.stringMatching(/^[\x21-\x7e]{0,120}$/),
  );

  it("malformed bodies, content types and keys never cause a 5xx", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...routes),
        body,
        contentType,
        authorization,
        async (path, payload, type, auth) => {
          const key = auth === "admin" ? `Bearer ${gateway.adminKey}` : auth;
          const status = await send(
            path,
            { "content-type": type, ...(key !== undefined ? { authorization: key } : {}) },
            payload,
          );
          expect(status, `${path} ${type} ${String(payload).slice(0, 200)}`).toBeLessThan(500);
        },
      ),
      { numRuns: 2500 },
    );
  }, 120_000);

  it("authenticated, well-typed but adversarial bodies never cause a 5xx", async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...routes.slice(0, 4)), validChat, async (path, value) => {
        const status = await send(
          path,
          { "content-type": "application/json", authorization: `Bearer ${gateway.adminKey}` },
          JSON.stringify(value),
        );
        expect(status, JSON.stringify(value).slice(0, 300)).toBeLessThan(500);
      }),
      { numRuns: 1500 },
    );
  }, 120_000);

  it("garbage on the socket gets a 400 or a closed connection, and the server lives on", async () => {
    const { hostname, port } = new URL(gateway.url);
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 2048 }), async (bytes) => {
        const reply = await new Promise<string>((resolve) => {
          const socket = connect(Number(port), hostname, () => socket.end(Buffer.from(bytes)));
          let data = "";
          socket.on("data", (d) => (data += d.toString("latin1")));
          socket.on("close", () => resolve(data));
          socket.on("error", () => resolve(data));
          socket.setTimeout(3000, () => socket.destroy());
        });
        if (reply) expect(reply).toMatch(/^HTTP\/1\.1 4\d\d/);
      }),
      { numRuns: 300 },
    );
    const health = await fetch(`${gateway.url}/healthz`);
    expect(health.status).toBe(200);
  }, 120_000);
});
