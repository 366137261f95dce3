import { describe, expect, it } from "vitest";
import { limitsSectionSchema } from "../../src/config/sections/limits.js";
import { Limiter, MemoryStore, type Admission } from "../../src/limits/index.js";

/** The `throttle` lever: Limiter.tighten on a memory store with a clock the test moves. */
function limiter(key: Record<string, unknown> = {}) {
  let now = Date.UTC(2026, 0, 1);
  const clock = () => now;
  const config = limitsSectionSchema.parse({ key: { requestsPerMinute: 600, ...key } });
  const l = new Limiter(config, new MemoryStore(1000, clock), clock);
  let n = 0;
  const ask = (keyId = "key_a") => {
    const plan = l.plan(keyId, "red");
    const known = l.refused(plan, `r${++n}`);
    return (known ?? (l.acquire(plan, 0, `r${n}`) as Admission)).allowed;
  };
  return { l, ask, advance: (ms: number) => (now += ms) };
}

describe("Limiter.tighten (incident response's throttle)", () => {
  it("takes effect on the key's next request, only for that key", () => {
    const { l, ask } = limiter();
    for (let i = 0; i < 20; i++) expect(ask()).toBe(true);
    l.tighten("key_a", { requestsPerMinute: 2 });
    expect([ask(), ask(), ask(), ask()]).toEqual([true, true, false, false]);
    for (let i = 0; i < 20; i++) expect(ask("key_b")).toBe(true);
  });

  it("only ever tightens: a larger value than the key's own is ignored", () => {
    const { l, ask } = limiter({ requestsPerMinute: 3 });
    l.tighten("key_a", { requestsPerMinute: 1000 });
    expect([ask(), ask(), ask(), ask()]).toEqual([true, true, true, false]);
  });

  it("lifting it leaves no debt: the key's own limits apply at once", () => {
    const { l, ask } = limiter();
    l.tighten("key_a", { requestsPerMinute: 2 });
    for (let i = 0; i < 10; i++) ask();
    expect(ask()).toBe(false);
    l.tighten("key_a", undefined);
    for (let i = 0; i < 50; i++) expect(ask()).toBe(true);
  });

  it("a throttled key refills at the throttled rate", () => {
    const { l, ask, advance } = limiter();
    l.tighten("key_a", { requestsPerMinute: 2 });
    expect([ask(), ask(), ask()]).toEqual([true, true, false]);
    advance(29_000);
    expect(ask()).toBe(false);
    advance(1_000);
    expect(ask()).toBe(true);
  });
});
