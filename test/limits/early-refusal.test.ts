import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { limitsSectionSchema } from "../../src/config/sections/limits.js";
import { quickRefusal } from "../../src/gateway/stages/limits.js";
import { Admission, Limiter, MemoryStore } from "../../src/limits/index.js";

/**
 * The limiter's memory of request-rate refusals (`refused`), which lets the limits stage and the
 * penalty box answer a flooding key without asking the store. It must never refuse what the store
 * would admit: checked here against the store itself, on random arrival patterns.
 */
describe("Limiter.refused", () => {
  const build = (perSecond: number, clock: () => number) =>
    new Limiter(
      limitsSectionSchema.parse({
        key: {
          requestsPerSecond: perSecond,
          requestsPerMinute: null,
          tokensPerMinute: null,
          maxConcurrent: null,
        },
        team: { requestsPerMinute: null, tokensPerDay: null, maxConcurrent: null },
      }),
      new MemoryStore(1000, clock),
      clock,
    );
  const admit = (limiter: Limiter, id: string): Admission => {
    const result = limiter.acquire(limiter.plan("k", "t"), 0, id);
    if (result instanceof Promise) throw new Error("memory store answers synchronously");
    return result;
  };

  it("knows the refusal as soon as an admission takes the bucket's last unit", () => {
    let now = 1_000_000;
    const limiter = build(5, () => now);
    for (let i = 0; i < 5; i++) expect(admit(limiter, `a${i}`).allowed).toBe(true);
    // The fifth emptied the bucket: the next unit drips in after 200 ms.
    const early = limiter.refused(limiter.plan("k", "t"), "r1");
    expect(early?.retryAfterMs).toBe(200);
    expect(early?.requestRemaining).toBe(0);
    now += 199;
    expect(limiter.refused(limiter.plan("k", "t"), "r2")?.retryAfterMs).toBe(1);
    now += 1;
    expect(limiter.refused(limiter.plan("k", "t"), "r3")).toBeUndefined();
    expect(admit(limiter, "a5").allowed).toBe(true);
  });

  it("the penalty box's answer: the stage's refusal and headers, except for a throttled key", () => {
    const now = 2_000_000;
    const limiter = build(2, () => now);
    const identity = { keyId: "k", team: "t" };
    const answer = quickRefusal(limiter);
    expect(answer(identity, "q0")).toBeUndefined();
    for (let i = 0; i < 2; i++) admit(limiter, `a${i}`);
    const boxed = answer(identity, "q1");
    expect(boxed?.error.code).toBe("PCX_RATE_LIMITED");
    expect(boxed?.headers).toMatchObject({
      "retry-after": "1",
      "x-ratelimit-limit-requests": "2",
      "x-ratelimit-remaining-requests": "0",
    });
    // Under an incident-response throttle the key keeps the full path (analytics reads its prompts).
    limiter.tighten("k", { requestsPerMinute: 30 });
    for (let i = 0; i < 3 && !limiter.refused(limiter.plan("k", "t"), `q${i}`); i++) admit(limiter, `t${i}`);
    expect(limiter.refused(limiter.plan("k", "t"), "q2")).toBeDefined();
    expect(answer(identity, "q3")).toBeUndefined();
  });

  it("never refuses early what the store would admit (random arrivals)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.array(fc.integer({ min: 0, max: 400 }), { minLength: 1, maxLength: 120 }),
        (perSecond, gaps) => {
          let now = 5_000_000;
          const limiter = build(perSecond, () => now);
          const shadow = build(perSecond, () => now);
          let i = 0;
          for (const gap of gaps) {
            now += gap;
            const early = limiter.refused(limiter.plan("k", "t"), `e${i}`);
            // What the store alone says at this moment (a twin limiter fed the same admissions).
            const truth = admit(shadow, `s${i}`);
            if (early) {
              expect(truth.allowed).toBe(false);
              // Undo nothing: a refusal charges nothing in either.
            } else {
              const real = admit(limiter, `r${i}`);
              expect(real.allowed).toBe(truth.allowed);
            }
            i++;
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
