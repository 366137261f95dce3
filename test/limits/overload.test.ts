import { describe, expect, it } from "vitest";
import { GatewayError } from "../../src/gateway/errors.js";
import { Breaker, RetryLaterError } from "../../src/gateway/overload.js";
import type { Provider, UpstreamCall, UpstreamResponse } from "../../src/gateway/providers/index.js";

/** A provider whose next answers the test scripts: a status, or a transport failure. */
function scripted() {
  const plan: (number | "down")[] = [];
  let calls = 0;
  const provider: Provider = {
    name: "up",
    type: "openai",
    supports: () => true,
    secrets: () => [],
    close: async () => {},
    async call(): Promise<UpstreamResponse> {
      calls++;
      const next = plan.shift() ?? 200;
      if (next === "down") throw new GatewayError("PCX_UPSTREAM_UNAVAILABLE");
      return { status: next, contentType: "application/json", headers: {}, body: (async function* () {})() };
    },
  };
  return { provider, plan, calls: () => calls };
}

const call = {} as UpstreamCall;

async function outcome(breaker: Breaker, provider: Provider): Promise<number | string> {
  try {
    return (await breaker.run(provider, call)).status;
  } catch (error) {
    return (error as GatewayError).code;
  }
}

describe("circuit breaker", () => {
  it("opens after N consecutive failures, fails fast, probes once after the cool-down, and closes", async () => {
    let now = 0;
    const breaker = new Breaker(3, 10_000, () => now);
    const up = scripted();
    up.plan.push("down", 503, 200, "down", 502, "down");
    expect(await outcome(breaker, up.provider)).toBe("PCX_UPSTREAM_UNAVAILABLE");
    expect(await outcome(breaker, up.provider)).toBe(503);
    expect(await outcome(breaker, up.provider)).toBe(200); // a success resets the count
    expect(await outcome(breaker, up.provider)).toBe("PCX_UPSTREAM_UNAVAILABLE");
    expect(await outcome(breaker, up.provider)).toBe(502);
    expect(breaker.state).toBe("closed");
    expect(await outcome(breaker, up.provider)).toBe("PCX_UPSTREAM_UNAVAILABLE");
    expect(breaker.state).toBe("open");

    const callsWhenOpened = up.calls();
    now += 4_000;
    try {
      await breaker.run(up.provider, call);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(RetryLaterError);
      expect((error as RetryLaterError).code).toBe("PCX_UPSTREAM_CIRCUIT_OPEN");
      expect((error as RetryLaterError).status).toBe(503);
      expect((error as RetryLaterError).retryAfterSeconds).toBe(6);
    }
    expect(up.calls()).toBe(callsWhenOpened); // failed fast: the provider was not called

    now += 6_000; // cool-down over: one probe goes through; it fails, the circuit reopens
    up.plan.push("down");
    expect(await outcome(breaker, up.provider)).toBe("PCX_UPSTREAM_UNAVAILABLE");
    expect(breaker.state).toBe("open");
    expect(await outcome(breaker, up.provider)).toBe("PCX_UPSTREAM_CIRCUIT_OPEN");

    now += 10_000; // the next probe succeeds: closed again
    expect(await outcome(breaker, up.provider)).toBe(200);
    expect(breaker.state).toBe("closed");
    expect(await outcome(breaker, up.provider)).toBe(200);
  });

  it("lets only one probe through while half-open", async () => {
    let now = 0;
    const breaker = new Breaker(1, 1000, () => now);
    const up = scripted();
    up.plan.push("down");
    await outcome(breaker, up.provider);
    now += 1000;
    let release!: () => void;
    const slow: Provider = {
      ...up.provider,
      call: () =>
        new Promise((resolve) => {
          release = () =>
            resolve({ status: 200, contentType: "", headers: {}, body: (async function* () {})() });
        }),
    };
    const probe = breaker.run(slow, call);
    expect(await outcome(breaker, up.provider)).toBe("PCX_UPSTREAM_CIRCUIT_OPEN");
    release();
    expect((await probe).status).toBe(200);
    expect(await outcome(breaker, up.provider)).toBe(200);
  });

  it("does not count a client that went away as a provider failure", async () => {
    const breaker = new Breaker(1, 1000, () => 0);
    const aborting: Provider = {
      ...scripted().provider,
      call: async () => {
        throw new Error("client aborted the request");
      },
    };
    await expect(breaker.run(aborting, call)).rejects.toThrow("client aborted");
    expect(breaker.state).toBe("closed");
  });
});
