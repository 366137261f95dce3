import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PenaltyBox } from "../../src/limits/penalty-box.js";

describe("PenaltyBox", () => {
  it("refuses only until the entry's time, then forgets it", () => {
    const box = new PenaltyBox<string>();
    expect(box.enter("a", 1_500, "key-a", 1_000)).toBe(true);
    expect(box.lookup("a", 1_000)).toEqual({ value: "key-a", remainingMs: 500 });
    expect(box.lookup("a", 1_499)?.remainingMs).toBe(1);
    expect(box.lookup("a", 1_500)).toBeUndefined();
    expect(box.size).toBe(0);
    expect(box.lookup("never", 1_000)).toBeUndefined();
  });

  it("does not box what has already expired, and lets an entry out early", () => {
    const box = new PenaltyBox<number>();
    expect(box.enter("a", 1_000, 1, 1_000)).toBe(false);
    box.enter("b", 2_000, 2, 1_000);
    box.release("b");
    expect(box.lookup("b", 1_001)).toBeUndefined();
  });

  it("stays within its capacity, making room from expired entries first", () => {
    const box = new PenaltyBox<number>(3);
    box.enter("a", 1_100, 1, 1_000);
    box.enter("b", 5_000, 2, 1_000);
    box.enter("c", 5_000, 3, 1_000);
    // Full of live entries: a new one is refused, an existing one can still be renewed.
    expect(box.enter("d", 5_000, 4, 1_050)).toBe(false);
    expect(box.enter("b", 6_000, 2, 1_050)).toBe(true);
    // Once "a" has expired, the sweep makes room.
    expect(box.enter("d", 5_000, 4, 1_200)).toBe(true);
    expect(box.size).toBe(3);
    expect(box.lookup("a", 1_200)).toBeUndefined();
    expect(box.lookup("d", 1_200)?.value).toBe(4);
  });

  it("never holds more than its capacity and never answers past an entry's time (random use)", () => {
    const op = fc.record({
      id: fc.constantFrom("a", "b", "c", "d", "e", "f"),
      kind: fc.constantFrom("enter", "lookup", "release", "sweep"),
      ttl: fc.integer({ min: -10, max: 100 }),
      step: fc.integer({ min: 0, max: 30 }),
    });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
        const box = new PenaltyBox<number>(4);
        const until = new Map<string, number>();
        let now = 0;
        for (const { id, kind, ttl, step } of ops) {
          now += step;
          if (kind === "enter") {
            if (box.enter(id, now + ttl, ttl, now)) until.set(id, now + ttl);
          } else if (kind === "lookup") {
            const hit = box.lookup(id, now);
            if (hit) {
              expect(until.get(id)).toBeGreaterThan(now);
              expect(hit.remainingMs).toBe(until.get(id)! - now);
            }
          } else if (kind === "release") {
            box.release(id);
            until.delete(id);
          } else box.sweep(now);
          expect(box.size).toBeLessThanOrEqual(4);
        }
      }),
    );
  });
});
