import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_REDIS_URL, redisTarget, uniquePrefix } from "../limits/redis-env.js";
import { CLI, createKey, post, startGateway, type StartedGateway } from "./helpers/gateway.js";

/**
 * Limits through the real server: rate limits with OpenAI's headers and Retry-After, token budgets
 * settled from the provider's usage (streamed and not), concurrency, prompt and max_tokens caps,
 * the per-IP limit for unauthenticated traffic, load shedding, the circuit breaker, and two
 * gateway processes sharing one Redis. Timing assertions are generous: the machine is shared.
 */

type Json = Record<string, unknown>;
const code = (json: Json) => (json.error as { code?: string } | undefined)?.code;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const chat = (content: string, extra: Json = {}) => ({
  model: "demo-chat",
  messages: [{ role: "user", content }],
  ...extra,
});

describe("key and team limits (memory store)", () => {
  let gateway: StartedGateway;
  const keys: Record<string, string> = {};
  const url = () => `${gateway.url}/v1/chat/completions`;

  beforeAll(async () => {
    gateway = await startGateway({
      config: `
limits:
  teams:
    rate: { requestsPerMinute: 3 }
    budget: { tokensPerDay: 600 }
    conc: { maxConcurrent: 2 }
    caps: { maxPromptTokens: 50, maxCompletionTokens: 100 }
    flood: { requestsPerSecond: 10 }
providers:
  demo: { type: demo }
models:
  - { name: demo-chat, provider: demo }
`,
    });
    for (const team of ["rate", "budget", "conc", "caps", "flood", "steady"]) {
      keys[team] = (await createKey(gateway, { name: `${team}-key`, team })).key;
    }
  });
  afterAll(async () => {
    await gateway?.stop();
  });

  it("answers 429 with Retry-After and OpenAI's x-ratelimit headers, in the route's error shape", async () => {
    const remaining: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await post(url(), keys.rate, chat("hello"));
      expect(res.status).toBe(200);
      expect(res.headers.get("x-ratelimit-limit-requests")).toBe("3");
      expect(res.headers.get("x-ratelimit-reset-requests")).toMatch(/^(\d+ms|(\d+m)?\d+(\.\d+)?s)$/);
      expect(res.headers.get("x-ratelimit-limit-tokens")).toBe("4000000");
      expect(Number(res.headers.get("x-ratelimit-remaining-tokens"))).toBeGreaterThan(3_990_000);
      remaining.push(res.headers.get("x-ratelimit-remaining-requests")!);
    }
    expect(remaining).toEqual(["2", "1", "0"]);

    const refused = await post(url(), keys.rate, chat("hello"));
    expect(refused.status).toBe(429);
    expect(code(refused.json)).toBe("PCX_RATE_LIMITED");
    expect((refused.json.error as Json).type).toBe("rate_limit_error");
    const retryAfter = Number(refused.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(15);
    expect(retryAfter).toBeLessThanOrEqual(20);
    expect(refused.headers.get("x-ratelimit-remaining-requests")).toBe("0");

    const anthropic = await post(`${gateway.url}/v1/messages`, keys.rate, {
      model: "demo-chat",
      max_tokens: 10,
      messages: [{ role: "user", content: "hi" }],
    });
    expect(anthropic.status).toBe(429);
    expect(anthropic.json.type).toBe("error");
    expect((anthropic.json.error as Json).type).toBe("rate_limit_error");
    expect((anthropic.json.error as Json).code).toBe("PCX_RATE_LIMITED");
    expect(Number(anthropic.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
  });

  it("charges a token budget from the provider's usage after the answer, streamed or not", async () => {
    // Budget 600 a day; the demo model reports 1 prompt token and one per word. A streamed answer
    // of 300 words reserves ~415 tokens up front (its prompt by the tokenizer, plus max_tokens).
    const streamed = await post(
      url(),
      keys.budget,
      chat("[[demo:long=300]]", { max_tokens: 400, stream: true }),
    );
    expect(streamed.status).toBe(200);
    expect(streamed.headers.get("content-type")).toMatch(/event-stream/);
    expect(streamed.headers.get("x-ratelimit-limit-requests")).toBe("6000");
    // Only if the stream was settled to its real usage (301) does this fit (~215 reserved).
    const second = await post(url(), keys.budget, chat("[[demo:long=200]]", { max_tokens: 200 }));
    expect(second.status).toBe(200);
    // 502 used: ~108 more do not fit; the refusal says when the UTC day ends.
    const refused = await post(url(), keys.budget, chat("hi", { max_tokens: 100 }));
    expect(refused.status).toBe(429);
    expect(code(refused.json)).toBe("PCX_TOKEN_BUDGET_EXCEEDED");
    const untilMidnight = (Math.ceil(Date.now() / 86_400_000) * 86_400_000 - Date.now()) / 1000;
    expect(Math.abs(Number(refused.headers.get("retry-after")) - untilMidnight)).toBeLessThan(60);
    // A smaller request still fits: the refusal charged nothing.
    expect((await post(url(), keys.budget, chat("hi", { max_tokens: 50 }))).status).toBe(200);
  });

  it("limits requests in flight; slots come back when a stream ends or its client goes away", async () => {
    const slow = () => {
      const controller = new AbortController();
      const response = fetch(url(), {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${keys.conc}` },
        body: JSON.stringify(chat("[[demo:slow=200]] tell me a story", { stream: true })),
        signal: controller.signal,
      });
      return { controller, response };
    };
    const a = slow();
    const b = slow();
    const [ra, rb] = await Promise.all([a.response, b.response]);
    expect([ra.status, rb.status]).toEqual([200, 200]);

    const refused = await post(url(), keys.conc, chat("hi"));
    expect(refused.status).toBe(429);
    expect(code(refused.json)).toBe("PCX_CONCURRENCY_LIMITED");
    expect(refused.headers.get("retry-after")).toBe("1");

    a.controller.abort(); // the client goes away mid-stream
    await ra.body?.cancel().catch(() => {});
    let admitted = 0;
    for (let i = 0; i < 40 && admitted === 0; i++) {
      await sleep(50);
      if ((await post(url(), keys.conc, chat("hi"))).status === 200) admitted++;
    }
    expect(admitted).toBe(1);

    await rb.text(); // the other stream runs to its end
    const both = await Promise.all([post(url(), keys.conc, chat("hi")), post(url(), keys.conc, chat("hi"))]);
    expect(both.map((r) => r.status)).toEqual([200, 200]);
  });

  it("refuses prompts over maxPromptTokens and max_tokens over the cap, and caps answers that set none", async () => {
    const long = await post(url(), keys.caps, chat("word ".repeat(200)));
    expect(long.status).toBe(400);
    expect(code(long.json)).toBe("PCX_PROMPT_TOO_LONG");
    expect((long.json.error as Json).message).toMatch(/at most 50/);

    const tooMany = await post(url(), keys.caps, chat("hi", { max_tokens: 200 }));
    expect(tooMany.status).toBe(400);
    expect(code(tooMany.json)).toBe("PCX_MAX_TOKENS_TOO_LARGE");

    // No max_tokens: the cap is written in, so the demo model stops at 100 words.
    const capped = await post(url(), keys.caps, chat("[[demo:long=500]]"));
    expect(capped.status).toBe(200);
    const choice = (capped.json.choices as { finish_reason: string }[])[0]!;
    expect(choice.finish_reason).toBe("length");
    expect((capped.json.usage as { completion_tokens: number }).completion_tokens).toBe(100);
  });

  it("a key flooding at 10× its limit does not crowd out another key", async () => {
    // The success half of the fairness test; its latency half, which needs a quiet machine, is
    // bench/fairness.ts.
    const flood: number[] = [];
    const steady: number[] = [];
    const until = Date.now() + 2000;
    const started = Date.now();
    const flooding = (async () => {
      const inflight: Promise<unknown>[] = [];
      while (Date.now() < until) {
        inflight.push(post(url(), keys.flood, chat("hi")).then((r) => flood.push(r.status)));
        await sleep(10); // ~100 requests a second against a limit of 10
      }
      await Promise.all(inflight);
    })();
    const ordinary = (async () => {
      while (Date.now() < until) {
        steady.push((await post(url(), keys.steady, chat("hi"))).status);
        await sleep(100);
      }
    })();
    await Promise.all([flooding, ordinary]);
    const elapsed = (Date.now() - started) / 1000;
    expect(steady.length).toBeGreaterThan(5);
    expect(steady.filter((s) => s === 200).length / steady.length).toBeGreaterThanOrEqual(0.99);
    const admitted = flood.filter((s) => s === 200).length;
    expect(admitted).toBeLessThanOrEqual(10 + Math.ceil(10 * elapsed));
    expect(flood.filter((s) => s === 429).length).toBeGreaterThan(admitted);
  });
});

describe("overload protection", () => {
  let gateway: StartedGateway;
  const url = () => `${gateway.url}/v1/chat/completions`;

  beforeAll(async () => {
    gateway = await startGateway({
      config: `
limits:
  unauthenticated: { requestsPerMinute: 5 }
  global: { maxConcurrent: 3, maxEventLoopLagMs: 100 }
  breaker: { failureThreshold: 2, coolDownMs: 1500 }
providers:
  demo: { type: demo }
  down:
    type: openai
    baseUrl: "http://127.0.0.1:9/v1"
    auth: none
    timeouts: { connectMs: 1000, headersMs: 1000, bodyMs: 1000 }
models:
  - { name: demo-chat, provider: demo }
  - { name: unreachable, provider: down }
`,
    });
  });
  afterAll(async () => {
    await gateway?.stop();
  });

  it("limits unauthenticated requests per IP before reading the body; valid keys still pass", async () => {
    for (let i = 0; i < 5; i++) expect((await post(url(), undefined, chat("hi"))).status).toBe(401);
    const refused = await post(url(), undefined, chat("hi"));
    expect(refused.status).toBe(429);
    expect(code(refused.json)).toBe("PCX_IP_RATE_LIMITED");
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    // Not even parsed: malformed JSON gets the same 429, not a 400.
    expect((await post(url(), undefined, "{not json")).status).toBe(429);
    // A well-formed but unknown key is checked early and refused too…
    expect((await post(url(), `pcx_${"x".repeat(40)}`, chat("hi"))).status).toBe(429);
    // …while a valid key from the same address goes through.
    expect((await post(url(), gateway.adminKey, chat("hi"))).status).toBe(200);
    expect((await fetch(`${gateway.url}/healthz`)).status).toBe(200);
  });

  it("opens the circuit to an unreachable provider: fast 503s, then a probe after the cool-down", async () => {
    const down = () => post(url(), gateway.adminKey, chat("hi", { model: "unreachable" }));
    expect((await down()).status).toBe(502);
    expect((await down()).status).toBe(502);
    const started = performance.now();
    const open = await down();
    expect(open.status).toBe(503);
    expect(code(open.json)).toBe("PCX_UPSTREAM_CIRCUIT_OPEN");
    expect(Number(open.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(performance.now() - started).toBeLessThan(500);
    // Other models are unaffected.
    expect((await post(url(), gateway.adminKey, chat("hi"))).status).toBe(200);
    await sleep(1600);
    expect((await down()).status).toBe(502); // the probe: still down, so the circuit reopens
    expect((await down()).status).toBe(503);
  });

  it("caps requests in flight for the whole process", async () => {
    const streams = Array.from({ length: 3 }, () =>
      fetch(url(), {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${gateway.adminKey}` },
        body: JSON.stringify(chat("[[demo:slow=150]] one two three", { stream: true })),
      }),
    );
    const responses = await Promise.all(streams);
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200]);
    const refused = await post(url(), gateway.adminKey, chat("hi"));
    expect(refused.status).toBe(503);
    expect(code(refused.json)).toBe("PCX_OVERLOADED");
    expect(refused.headers.get("retry-after")).toBe("1");
    expect((await fetch(`${gateway.url}/healthz`)).status).toBe(200); // never shed
    await Promise.all(responses.map((r) => r.text()));
    await sleep(50);
    expect((await post(url(), gateway.adminKey, chat("hi"))).status).toBe(200);
  });

  it("sheds load while the event loop lags, and recovers", async () => {
    // A synthetic stall: the process runs ~7% of the time (SIGSTOP 400 ms, SIGCONT 30 ms).
    const pid = gateway.process.pid!;
    let stalling = true;
    const stall = (async () => {
      while (stalling) {
        process.kill(pid, "SIGSTOP");
        await sleep(400);
        process.kill(pid, "SIGCONT");
        await sleep(30);
      }
    })();
    const statuses: number[] = [];
    let health = 0;
    const deadline = Date.now() + 4000;
    try {
      while (Date.now() < deadline && !statuses.includes(503)) {
        statuses.push((await post(url(), gateway.adminKey, chat("hi"))).status);
      }
      if (statuses.includes(503)) health = (await fetch(`${gateway.url}/healthz`)).status;
    } finally {
      stalling = false;
      await stall;
      process.kill(pid, "SIGCONT");
    }
    expect(statuses).toContain(503);
    expect(statuses.every((s) => s === 200 || s === 503)).toBe(true);
    expect(health).toBe(200);
    // Recovers once the loop is responsive again (one clean sampling window).
    let recovered = false;
    for (let i = 0; i < 30 && !recovered; i++) {
      await sleep(200);
      recovered = (await post(url(), gateway.adminKey, chat("hi"))).status === 200;
    }
    expect(recovered).toBe(true);
  });
});

const redis = await redisTarget();

describe.skipIf(redis.skip)("two gateways sharing one Redis", () => {
  let first: StartedGateway;
  let second: StartedGateway;
  let key: string;
  const prefix = uniquePrefix();

  beforeAll(async () => {
    // The same key in two data directories (each process needs its own: event queues are
    // per process): created offline with the CLI, then the directory copied before either starts.
    const dir = mkdtempSync(join(tmpdir(), "pcx-e2e-redis-"));
    const created = JSON.parse(
      execFileSync(process.execPath, [
        CLI,
        "keys",
        "create",
        "--name",
        "shared",
        "--team",
        "shared",
        "--data-dir",
        join(dir, "a"),
        "--format",
        "json",
      ]).toString(),
    ) as { key: string; id: string };
    key = created.key;
    cpSync(join(dir, "a"), join(dir, "b"), { recursive: true });
    // A per-key-id override: this key may make 10 requests a minute, across every replica.
    const config = `
limits:
  store: { type: redis, url: "env:PCX_TEST_REDIS_URL", keyPrefix: "${prefix}" }
  keys:
    ${created.id}: { requestsPerMinute: 10 }
providers:
  demo: { type: demo }
models:
  - { name: demo-chat, provider: demo }
`;
    const env = { PCX_TEST_REDIS_URL: redis.url || DEFAULT_REDIS_URL };
    [first, second] = await Promise.all([
      startGateway({ config, env, args: ["--data-dir", join(dir, "a")] }),
      startGateway({ config, env, args: ["--data-dir", join(dir, "b")] }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([first?.stop(), second?.stop()]);
  });

  it("enforce one combined limit for a key", async () => {
    const started = Date.now();
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        post(`${(i % 2 ? first : second).url}/v1/chat/completions`, key, chat("hi")).then((r) => ({
          status: r.status,
          via: i % 2,
          remaining: r.headers.get("x-ratelimit-remaining-requests"),
        })),
      ),
    );
    const elapsed = Date.now() - started;
    const ok = results.filter((r) => r.status === 200);
    // One bucket of 10, plus one refill per 6 s of test time at most.
    expect(ok.length).toBeGreaterThanOrEqual(10);
    expect(ok.length).toBeLessThanOrEqual(10 + Math.floor(elapsed / 6000));
    expect(new Set(ok.map((r) => r.via)).size).toBe(2); // both processes admitted some
    expect(results.filter((r) => r.status !== 200).every((r) => r.status === 429)).toBe(true);
    // Neither process fell back to its own memory store.
    expect(first.logs() + second.logs()).not.toMatch(/limits store failure/);
    // The remaining counts come from the one shared bucket: each is reported once.
    const remaining = ok.map((r) => Number(r.remaining)).sort((a, b) => a - b);
    expect(new Set(remaining).size).toBe(remaining.length);
  });
});
