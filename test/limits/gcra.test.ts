import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { limitsSectionSchema } from "../../src/config/sections/limits.js";
import { buildPlan, MemoryStore, type Admission, type Rule } from "../../src/limits/index.js";
import { gcraCharge, gcraWait } from "../../src/limits/gcra.js";
import { windowEnd, windowId, WindowClock } from "../../src/limits/windows.js";

/** A store on a clock the test moves by hand. */
function fakeStore() {
  let now = Date.UTC(2025, 0, 31, 23, 59, 0);
  const store = new MemoryStore(1000, () => now);
  return {
    store,
    now: () => now,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

function plan(key: Record<string, unknown>): Rule[] {
  const config = limitsSectionSchema.parse({
    key: { requestsPerMinute: null, tokensPerMinute: null, maxConcurrent: null, ...key },
  });
  return [...buildPlan(config, "k1", "t1").rules];
}

describe("GCRA (ITU-T I.371 virtual scheduling)", () => {
  it("admits a burst of the limit, then one unit per interval, and the wait is exact", () => {
    const clock = fakeStore();
    const rules = plan({ requestsPerSecond: 4 }); // interval 250 ms
    for (let i = 0; i < 4; i++) expect(clock.store.acquire(rules, 0, `r${i}`).allowed).toBe(true);
    const refused = clock.store.acquire(rules, 0, "r5");
    expect(refused.allowed).toBe(false);
    expect(refused.retryAfterMs).toBe(250);
    clock.advance(249);
    expect(clock.store.acquire(rules, 0, "r6").allowed).toBe(false);
    clock.advance(1);
    expect(clock.store.acquire(rules, 0, "r7").allowed).toBe(true);
    expect(clock.store.acquire(rules, 0, "r8").allowed).toBe(false);
  });

  it("reports remaining units and the time until the bucket is full", () => {
    const clock = fakeStore();
    const rules = plan({ requestsPerMinute: 60 });
    const first = clock.store.acquire(rules, 0, "a");
    expect(first.requestRemaining).toBe(59);
    expect(first.requestResetMs).toBe(1000);
    clock.advance(500);
    const second = clock.store.acquire(rules, 0, "b");
    expect(second.requestRemaining).toBe(58);
    expect(second.requestResetMs).toBe(1500);
  });

  it("never admits more than burst + elapsed / interval units, for any arrival pattern (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.array(
          fc.record({ gap: fc.integer({ min: 0, max: 400 }), cost: fc.integer({ min: 1, max: 25 }) }),
          {
            minLength: 1,
            maxLength: 200,
          },
        ),
        (tokensPerSecondTimes60, arrivals) => {
          const clock = fakeStore();
          const limit = tokensPerSecondTimes60 * 3; // tokens per minute: 3–60
          const interval = 60_000 / limit;
          const rules = plan({ tokensPerMinute: limit });
          const admitted: { t: number; cost: number }[] = [];
          for (const [i, { gap, cost }] of arrivals.entries()) {
            clock.advance(gap * 10);
            const a = clock.store.acquire(rules, cost, `r${i}`);
            if (a.allowed) admitted.push({ t: clock.now(), cost });
            else if (Number.isFinite(a.retryAfterMs)) expect(a.retryAfterMs).toBeGreaterThan(0);
            else expect(cost).toBeGreaterThan(limit);
          }
          // Every interval [t_i, t_j] between two admissions: units ≤ burst + (t_j − t_i) / interval.
          for (let i = 0; i < admitted.length; i++) {
            let units = 0;
            for (let j = i; j < admitted.length; j++) {
              units += admitted[j]!.cost;
              const bound = limit + (admitted[j]!.t - admitted[i]!.t) / interval;
              expect(units).toBeLessThanOrEqual(bound + 1e-6);
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("never admits more than the limit within any window of one refill period after an idle bucket, nor twice it in any window (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 30 }),
        fc.array(fc.integer({ min: 0, max: 3000 }), { minLength: 1, maxLength: 300 }),
        (limit, gaps) => {
          const clock = fakeStore();
          const rules = plan({ requestsPerMinute: limit });
          const times: number[] = [];
          for (const [i, gap] of gaps.entries()) {
            clock.advance(gap);
            if (clock.store.acquire(rules, 0, `r${i}`).allowed) times.push(clock.now());
          }
          // Sliding window of 60 s anywhere: fewer than twice the limit (a full bucket plus its refill).
          let start = 0;
          for (let end = 0; end < times.length; end++) {
            while (times[end]! - times[start]! >= 60_000) start++;
            expect(end - start + 1).toBeLessThan(2 * limit);
          }
          // From a full bucket at t0, the first minute admits at most limit + its refill so far.
          const first = times.filter((t) => t - times[0]! < 60_000).length;
          expect(first).toBeLessThanOrEqual(2 * limit - 1);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("wait and charge agree: admitting exactly when the wait says is allowed", () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1e6, noNaN: true }),
        fc.double({ min: 0, max: 1e6, noNaN: true }),
        fc.double({ min: 0.01, max: 1000, noNaN: true }),
        fc.integer({ min: 1, max: 1000 }),
        fc.integer({ min: 1, max: 1000 }),
        (tat, now, interval, burst, cost) => {
          const wait = gcraWait(tat, now, interval, burst, cost);
          if (cost > burst) {
            expect(wait).toBe(Infinity);
            return;
          }
          const at = wait > 0 ? now + wait : now;
          expect(gcraWait(tat, at, interval, burst, cost)).toBeLessThanOrEqual(1e-6 * Math.max(1, at));
          expect(gcraCharge(tat, at, interval, cost) - at).toBeLessThanOrEqual(burst * interval + 1e-6 * at);
        },
      ),
    );
  });
});

describe("budget windows (UTC calendar)", () => {
  it("names days and months in UTC and knows when they end", () => {
    const t = Date.UTC(2024, 1, 29, 23, 30); // leap day
    expect(windowEnd("day", t)).toBe(Date.UTC(2024, 2, 1));
    expect(windowEnd("month", t)).toBe(Date.UTC(2024, 2, 1));
    expect(windowId("month", Date.UTC(2024, 11, 31, 23, 59))).toBe(windowId("month", Date.UTC(2024, 11, 1)));
    expect(windowId("month", Date.UTC(2025, 0, 1))).toBe(windowId("month", Date.UTC(2024, 11, 1)) + 1);
    const clock = new WindowClock();
    expect(clock.id("day", t)).toBe(windowId("day", t));
    expect(clock.id("day", t + 3_600_000)).toBe(windowId("day", t) + 1);
    expect(clock.id("day", t)).toBe(windowId("day", t)); // back in time too
    expect(clock.end("month", Date.UTC(2025, 11, 15))).toBe(Date.UTC(2026, 0, 1));
  });

  it("a daily budget resets at UTC midnight, and a refund does not cross into the next day", () => {
    const clock = fakeStore(); // 23:59 on 31 January
    const rules = plan({ tokensPerDay: 100, tokensPerMonth: 150 });
    const late = clock.store.acquire(rules, 90, "a");
    expect(late.allowed).toBe(true);
    const refused = clock.store.acquire(rules, 20, "b");
    expect(refused.allowed).toBe(false);
    expect(refused.retryAfterMs).toBe(60_000); // until midnight
    clock.advance(60_000); // 1 February: new day and new month
    clock.store.settle(late, 0); // refund of yesterday's reservation: must not credit today
    const today = clock.store.acquire(rules, 100, "c");
    expect(today.allowed).toBe(true);
    expect(clock.store.acquire(rules, 1, "d").allowed).toBe(false);
  });

  it("never admits more than the budget in one window (property)", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            gap: fc.integer({ min: 0, max: 7_200_000 }),
            cost: fc.integer({ min: 1, max: 400 }),
            used: fc.integer({ min: 0, max: 400 }),
          }),
          { maxLength: 120 },
        ),
        (steps) => {
          const clock = fakeStore();
          const rules = plan({ tokensPerDay: 1000 });
          const charged = new Map<number, number>();
          for (const [i, { gap, cost, used }] of steps.entries()) {
            clock.advance(gap);
            const a = clock.store.acquire(rules, cost, `r${i}`);
            if (!a.allowed) continue;
            // Settled at once with usage no larger than reserved (a capped request): the day's
            // charge never exceeds the budget.
            const actual = Math.min(used, cost);
            clock.store.settle(a, actual);
            const day = windowId("day", a.at);
            charged.set(day, (charged.get(day) ?? 0) + actual);
          }
          for (const total of charged.values()) expect(total).toBeLessThanOrEqual(1000);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe("concurrency", () => {
  it("never exceeds the limit and never leaks, whatever the order of starts and ends (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.array(fc.boolean(), { maxLength: 200 }),
        (limit, ops) => {
          const clock = fakeStore();
          const rules = plan({ maxConcurrent: limit, requestsPerMinute: 100_000 });
          const open: Admission[] = [];
          for (const [i, start] of ops.entries()) {
            if (start || open.length === 0) {
              const a = clock.store.acquire(rules, 0, `r${i}`);
              if (a.allowed) open.push(a);
              else expect(open.length).toBe(limit);
            } else {
              clock.store.settle(open.shift()!, 0);
            }
            expect(open.length).toBeLessThanOrEqual(limit);
          }
          for (const a of open.splice(0)) clock.store.settle(a, 0);
          // Everything released: a full set of slots is available again.
          for (let i = 0; i < limit; i++)
            expect(clock.store.acquire(rules, 0, `after${i}`).allowed).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe("memory store bounds", () => {
  it("tracks at most maxTrackedIdentities subjects, forgetting the least recently seen", () => {
    const store = new MemoryStore(100);
    const config = limitsSectionSchema.parse({});
    for (let i = 0; i < 1000; i++) store.acquire(buildPlan(config, `key${i}`, "team").rules, 0, `r${i}`);
    expect(store.size).toBeLessThanOrEqual(100);
  });
});
