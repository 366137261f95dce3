import { beforeAll, describe, expect, it } from "vitest";
import { limitsSectionSchema } from "../../src/config/sections/limits.js";
import type { RelayOutcome } from "../../src/gateway/relay.js";
import { limitsStage, settleLimits } from "../../src/gateway/stages/limits.js";
import type { RequestContext, RequestStage, StageVerdict } from "../../src/gateway/stages/types.js";
import { Limiter, MemoryStore } from "../../src/limits/index.js";

/** The stage and its settlement, against a memory store whose token bucket is read back. */
describe("limits stage: reservation and settlement", () => {
  let limiter: Limiter;
  let stage: RequestStage;
  let serial = 0;

  beforeAll(async () => {
    // A clock that stands still: the bucket does not refill while the test reads it back.
    const clock = () => 1_750_000_000_000;
    limiter = new Limiter(
      limitsSectionSchema.parse({
        key: { requestsPerMinute: null, tokensPerMinute: 1_000_000, maxConcurrent: 1 },
        reserveCompletionTokens: 500,
      }),
      new MemoryStore(1000, clock),
      clock,
    );
    stage = await limitsStage(limiter, [{ name: "m", provider: "p", aliases: [], kind: "chat" }]);
  });

  function ctx(body: Record<string, unknown>, keyId: string): RequestContext {
    return {
      requestId: `r${++serial}`,
      api: "openai.chat",
      path: "/v1/chat/completions",
      shape: "openai",
      headers: {},
      rawBody: body,
      body,
      stream: false,
      requestedModel: "m",
      clientIp: "127.0.0.1",
      startedAt: 0,
      identity: { keyId, keyName: keyId, team: "t", role: "user", models: ["*"] },
      model: { name: "m", kind: "chat", provider: {} as never, upstreamModel: "m" },
      findings: [],
      decision: { action: "allow", reasons: [], monitorOnly: false },
      usage: { prompt_tokens: 0, completion_tokens: 0 },
    };
  }

  /** Tokens the key has used of its per-minute bucket (what the next check would report). */
  function used(keyId: string): number {
    const probe = limiter.acquire(limiter.plan(keyId, "t"), 0, "probe");
    if (probe instanceof Promise) throw new Error("memory store answers synchronously");
    limiter.settle(probe, 0);
    return 1_000_000 - probe.tokenRemaining;
  }

  function run(c: RequestContext): StageVerdict {
    const verdict = stage.run(c);
    if (verdict instanceof Promise) throw new Error("memory store answers synchronously");
    return verdict;
  }

  const chat = { messages: [{ role: "user", content: "hello" }], max_tokens: 100 };
  const cases: [string, RelayOutcome, boolean, [number, number], (reserved: number) => number][] = [
    ["never sent upstream (a later stage stopped it)", { status: 403 }, false, [0, 0], () => 0],
    ["answered with usage", { status: 200 }, true, [7, 30], () => 37],
    ["a provider error without usage", { status: 502 }, true, [0, 0], () => 0],
    ["answered without usage", { status: 200 }, true, [0, 0], (reserved) => reserved],
    [
      "client gone mid-stream",
      { status: 200, clientAborted: true, streamAborted: true },
      true,
      [7, 3],
      (r) => r,
    ],
    ["stream reported more than reserved", { status: 200, streamAborted: true }, true, [7, 900], () => 907],
  ];

  for (const [name, outcome, called, [prompt, completion], expected] of cases) {
    it(`settles: ${name}`, () => {
      const keyId = `k${++serial}`;
      const c = ctx({ ...chat }, keyId);
      expect(run(c).action).toBe("continue");
      const reserved = used(keyId);
      // Prompt ("user" + "hello" + framing) plus max_tokens.
      expect(reserved).toBeGreaterThan(100);
      expect(reserved).toBeLessThan(120);
      c.usage = { prompt_tokens: prompt, completion_tokens: completion };
      settleLimits(c, outcome, called);
      expect(used(keyId)).toBe(expected(reserved));
      // The concurrency slot (maxConcurrent 1) is free again, and a second settle changes nothing.
      settleLimits(c, outcome, called);
      expect(run(ctx({ ...chat }, keyId)).action).toBe("continue");
    });
  }

  it("reserves the default completion when the request sets no max_tokens, times n", () => {
    const keyId = `k${++serial}`;
    expect(run(ctx({ messages: [{ role: "user", content: "hi" }], n: 3 }, keyId)).action).toBe("continue");
    expect(used(keyId)).toBeGreaterThan(1500);
    expect(used(keyId)).toBeLessThan(1520);
  });

  it("refuses the second request in flight and names the limit", () => {
    const keyId = `k${++serial}`;
    expect(run(ctx({ ...chat }, keyId)).action).toBe("continue");
    const refused = run(ctx({ ...chat }, keyId));
    expect(refused.action).toBe("stop");
    if (refused.action === "stop") {
      expect(refused.error.code).toBe("PCX_CONCURRENCY_LIMITED");
      expect(refused.error.status).toBe(429);
      expect(refused.error.message).toMatch(/This key already has 1 requests in flight/);
    }
  });
});
