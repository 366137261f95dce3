import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RecentMap } from "../../src/incidents/recent.js";

describe("RecentMap (bounded per-key state)", () => {
  it("never holds more than its capacity, whatever the sequence of operations (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50 }),
        fc.array(fc.tuple(fc.constantFrom("get", "set", "delete"), fc.integer({ min: 0, max: 200 })), {
          maxLength: 500,
        }),
        (capacity, ops) => {
          const map = new RecentMap<number>(capacity);
          const model = new Map<string, number>();
          for (const [op, k] of ops) {
            const key = `k${k}`;
            if (op === "set") {
              map.set(key, k);
              model.set(key, k);
            } else if (op === "delete") {
              map.delete(key);
              model.delete(key);
            } else {
              // What it still holds is what was last set (never a stale or foreign value).
              const got = map.get(key);
              if (got !== undefined) expect(got).toBe(model.get(key));
            }
            expect(map.size).toBeLessThanOrEqual(Math.max(1, capacity));
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("an entry used within the last half-capacity insertions survives; an idle one is forgotten", () => {
    const map = new RecentMap<string>(100);
    map.set("busy", "b");
    map.set("idle", "i");
    for (let i = 0; i < 1000; i++) {
      map.set(`k${i}`, "x");
      if (i % 40 === 0) expect(map.get("busy")).toBe("b");
    }
    expect(map.get("busy")).toBe("b");
    expect(map.get("idle")).toBeUndefined();
  });

  it("delete removes from either generation", () => {
    const map = new RecentMap<number>(4);
    map.set("a", 1);
    map.set("b", 2); // young is full (2): a and b become the old generation
    map.set("c", 3);
    map.delete("a");
    map.delete("c");
    expect([map.get("a"), map.get("b"), map.get("c")]).toEqual([undefined, 2, undefined]);
  });
});
