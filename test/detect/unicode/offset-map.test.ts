import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { OffsetMap } from "../../../src/detect/unicode/offset-map.js";

describe("OffsetMap", () => {
  // View "ab" + "FFI" (from one source unit at 2) + "cd" (source 4..6, after a removed unit at 3).
  const map = new OffsetMap();
  map.linear(2, 0);
  map.blockOf(3, 2, 3);
  map.linear(2, 4);
  const cases: Array<[string, [number, number], [number, number]]> = [
    ["linear start", [0, 2], [0, 2]],
    ["inside a block maps to the whole block", [3, 4], [2, 3]],
    ["across the removed unit", [4, 7], [2, 6]],
    ["after the removal", [5, 7], [4, 6]],
    ["empty range", [5, 5], [4, 4]],
    ["end of view", [7, 7], [6, 6]],
    ["clamped", [-5, 99], [0, 6]],
  ];
  it.each(cases)("%s", (_why, [s, e], expected) => {
    expect(map.toSource(s, e, 6)).toEqual(expected);
  });

  it("stays valid and monotone after coarsening past its piece cap", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 3 })), {
          minLength: 1,
          maxLength: 60,
        }),
        fc.integer({ min: 1, max: 8 }),
        (pieces, cap) => {
          const m = new OffsetMap(cap);
          let src = 0;
          for (const [block, len, gap] of pieces) {
            src += gap; // removed source units
            if (block) m.blockOf(len, src, src + 1);
            else m.linear(len, src);
            src += block ? 1 : len;
          }
          let prev: [number, number] = [0, 0];
          for (let v = 0; v <= m.length; v++) {
            const r = m.toSource(v, Math.min(m.length, v + 1), src);
            expect(0 <= r[0] && r[0] <= r[1] && r[1] <= src).toBe(true);
            expect(r[0]).toBeGreaterThanOrEqual(prev[0]);
            prev = r;
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
