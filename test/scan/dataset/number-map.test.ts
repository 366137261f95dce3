import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { NumberMap } from "../../../src/scan/dataset/number-map.js";
import { KeyCounter } from "../../../src/scan/dataset/table.js";

describe("NumberMap", () => {
  it("behaves like a Map for 53-bit keys, through growth and bulk deletion", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.maxSafeNat(), fc.nat(1000)), { maxLength: 400 }),
        fc.nat(1000),
        (ops, cut) => {
          const ours = new NumberMap(4);
          const ref = new Map<number, number>();
          for (const [k, v] of ops) {
            ours.add(k, v);
            ref.set(k, (ref.get(k) ?? 0) + v);
          }
          expect(ours.size).toBe(ref.size);
          for (const [k, v] of ref) expect(ours.get(k)).toBe(v);
          ours.retain((_k, v) => v > cut);
          for (const [k, v] of ref) expect(ours.get(k)).toBe(v > cut ? v : -1);
          expect([...ours.entries()].length).toBe([...ref.values()].filter((v) => v > cut).length);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe("KeyCounter", () => {
  it("stays within its capacity and keeps every key counted more often than its floor", () => {
    const c = new KeyCounter(100);
    for (let i = 0; i < 5000; i++) c.add(2 ** 40 + (i % 7 === 0 ? 1 : i));
    expect(c.get(2 ** 40 + 1)).toBeGreaterThan(c.floor);
    expect(c.get(2 ** 40 + 1) + c.floor).toBeGreaterThanOrEqual(Math.ceil(5000 / 7));
  });
});
