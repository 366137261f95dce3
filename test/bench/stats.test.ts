import { describe, expect, it } from "vitest";
import { distribution, percentile } from "../../bench/stats.js";

describe("percentile (nearest rank)", () => {
  const sorted = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  it.each([
    [50, 5], // 5 of 10 samples are ≤ 5
    [90, 9],
    [99, 10], // the rank rounds up: p99 of 10 samples is the largest
    [100, 10],
    [0, 1],
    [10, 1],
    [11, 2],
  ])("p%s of 1..10 is %s", (p, expected) => {
    expect(percentile(sorted, p)).toBe(expected);
  });

  it("is NaN without samples rather than a made-up zero", () => {
    expect(percentile([], 50)).toBeNaN();
  });
});

describe("distribution", () => {
  it("sorts numerically, not as strings", () => {
    const d = distribution([10, 9, 100, 1.5]);
    expect(d).toMatchObject({ count: 4, min: 1.5, max: 100, p50: 9 });
    expect(d.mean).toBeCloseTo(30.125);
  });

  it("reports an empty run as NaN figures with count 0", () => {
    expect(distribution([])).toMatchObject({ count: 0, p50: NaN, max: NaN });
  });
});
