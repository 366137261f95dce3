import { describe, expect, it } from "vitest";
import {
  binaryMetrics,
  capForBudget,
  codePointToUtf16,
  fBeta,
  locateValues,
  matchSpans,
  percentile,
  spanScore,
  spansFromRedaction,
  stratifiedWeights,
  summariseLatency,
  type Decision,
} from "../../../scripts/eval/metrics.js";

const d = (positive: boolean, flagged: boolean, weight?: number): Decision =>
  weight === undefined ? { positive, flagged } : { positive, flagged, weight };

describe("binaryMetrics", () => {
  it("computes precision, recall, FPR and balanced accuracy (PINT)", () => {
    // 3 attacks (2 caught), 5 benign (1 flagged).
    const m = binaryMetrics([
      d(true, true),
      d(true, true),
      d(true, false),
      d(false, true),
      d(false, false),
      d(false, false),
      d(false, false),
      d(false, false),
    ]);
    expect(m).toMatchObject({ n: 8, pos: 3, neg: 5, tp: 2, fp: 1 });
    expect(m.recall).toBeCloseTo(2 / 3);
    expect(m.fpr).toBeCloseTo(1 / 5);
    expect(m.precision).toBeCloseTo(2 / 3);
    expect(m.balancedAccuracy).toBeCloseTo((2 / 3 + 4 / 5) / 2);
  });

  it("leaves undefined what the data cannot define", () => {
    const onlyBenign = binaryMetrics([d(false, false), d(false, false)]);
    expect(onlyBenign.recall).toBeNull();
    expect(onlyBenign.precision).toBeNull();
    expect(onlyBenign.balancedAccuracy).toBeNull();
    expect(onlyBenign.fpr).toBe(0);
  });

  it("weights of 1 give the unweighted figures, and weights scale a sampled stratum back up", () => {
    const rows = [d(true, true), d(true, false), d(false, true), d(false, false)];
    const plain = binaryMetrics(rows);
    const ones = binaryMetrics(rows.map((r) => ({ ...r, weight: 1 })));
    expect(ones).toEqual(plain);
    // One benign row standing for 9: FPR (1·1 + 0·9) / 10 rather than 1/2.
    const w = binaryMetrics([d(true, true), d(false, true, 1), d(false, false, 9)]);
    expect(w.fpr).toBeCloseTo(0.1);
    expect(w.n).toBe(3);
    expect(w.fp).toBe(1);
  });
});

describe("stratified sampling", () => {
  it("takes evenly spaced rows per stratum and weights them by stratum size", () => {
    const strata = [...Array(10).fill("a"), ...Array(2).fill("b")] as string[];
    const w = stratifiedWeights(strata, 5);
    expect(w.filter((x) => x > 0)).toHaveLength(7);
    expect(w.slice(0, 10).filter((x) => x > 0)).toEqual([2, 2, 2, 2, 2]);
    expect(w.slice(10)).toEqual([1, 1]);
    expect(w.reduce((a, b) => a + b, 0)).toBe(12);
  });

  it("finds the largest cap within a row budget", () => {
    const strata = [...Array(100).fill("a"), ...Array(10).fill("b"), "c"] as string[];
    expect(capForBudget(strata, 1000)).toBe(100);
    expect(capForBudget(strata, 31)).toBe(20); // 20 + 10 + 1 = 31
    expect(capForBudget(strata, 30)).toBe(19);
    expect(capForBudget(strata, 2)).toBe(1); // never below one row per stratum
  });
});

describe("fBeta", () => {
  it("weighs recall four times for beta 2", () => {
    expect(fBeta(1, 1)).toBe(1);
    expect(fBeta(0.5, 1)).toBeCloseTo((5 * 0.5) / (4 * 0.5 + 1));
    expect(fBeta(0, 0)).toBe(0);
    expect(fBeta(null, 1)).toBeNull();
  });
});

describe("matchSpans (overlap matching)", () => {
  const map = new Map([
    ["PERSON", "person"],
    ["EMAIL_ADDRESS", "email"],
  ]);

  it("counts found gold spans, confirmed predictions, unsupported labels and unjudged kinds", () => {
    const gold = [
      { label: "PERSON", start: 0, end: 10 },
      { label: "EMAIL_ADDRESS", start: 20, end: 35 },
      { label: "GPE", start: 40, end: 46 },
    ];
    const preds = [
      { kind: "person", start: 5, end: 12 }, // overlaps PERSON → found and confirmed
      { kind: "email", start: 36, end: 39 }, // touches nothing → false alarm
      { kind: "passport", start: 40, end: 46 }, // no label maps to it → unjudged
    ];
    const m = matchSpans(gold, preds, map);
    expect(m.byLabel.get("PERSON")).toEqual({ gold: 1, found: 1, predicted: 1, confirmed: 1 });
    expect(m.byLabel.get("EMAIL_ADDRESS")).toEqual({ gold: 1, found: 0, predicted: 1, confirmed: 0 });
    expect(m.unsupported.get("GPE")).toBe(1);
    expect(m.unjudged.get("passport")).toBe(1);
    expect(m.misses).toHaveLength(1);
    expect(m.falseAlarms).toHaveLength(1);
    expect(spanScore(m.byLabel.get("EMAIL_ADDRESS")!)).toEqual({ precision: 0, recall: 0, f2: 0 });
  });

  it("does not count a prediction of the wrong kind, nor spans that only touch", () => {
    const m = matchSpans(
      [{ label: "PERSON", start: 10, end: 20 }],
      [
        { kind: "email", start: 10, end: 20 },
        { kind: "person", start: 20, end: 25 },
      ],
      map,
    );
    expect(m.byLabel.get("PERSON")).toMatchObject({ gold: 1, found: 0 });
  });

  it("accumulates over texts", () => {
    const acc = matchSpans(
      [{ label: "PERSON", start: 0, end: 3 }],
      [{ kind: "person", start: 0, end: 3 }],
      map,
    );
    matchSpans([{ label: "PERSON", start: 0, end: 3 }], [], map, acc);
    expect(spanScore(acc.byLabel.get("PERSON")!).recall).toBe(0.5);
  });
});

describe("offsets and spans", () => {
  it("maps code point offsets to UTF-16 offsets", () => {
    const text = "a😀b c";
    const conv = codePointToUtf16(text);
    expect(conv(0)).toBe(0);
    expect(conv(1)).toBe(1);
    expect(conv(2)).toBe(3);
    expect(text.slice(conv(2), conv(3))).toBe("b");
    expect(conv(99)).toBe(text.length);
  });

  it("locates reported values in order, repeated values at their next occurrence", () => {
    const text = "mail a@b.io or a@b.io, call 555";
    const spans = locateValues(text, [
      { kind: "email", value: "a@b.io" },
      { kind: "email", value: "a@b.io" },
      { kind: "phone", value: "nope" },
    ]);
    expect(spans).toEqual([
      { kind: "email", start: 5, end: 11 },
      { kind: "email", start: 15, end: 21 },
    ]);
  });

  it("recovers spans from a redaction", () => {
    const M = "\uFDD0";
    expect(spansFromRedaction("call 555-1234 now", `call ${M} now`, M)).toEqual([[5, 13]]);
    expect(spansFromRedaction("x@y.io and z@w.io", `${M} and ${M}`, M)).toEqual([
      [0, 6],
      [11, 17],
    ]);
    expect(spansFromRedaction("nothing", "nothing", M)).toEqual([]);
    expect(spansFromRedaction("abc", `zz${M}`, M)).toBeUndefined();
  });
});

describe("latency summaries", () => {
  it("uses nearest-rank percentiles (a reported time is one that happened)", () => {
    const sorted = Float64Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(sorted, 50)).toBe(50);
    expect(percentile(sorted, 99)).toBe(99);
    expect(percentile(sorted, 100)).toBe(100);
    const s = summariseLatency([3, 1, 2]);
    expect(s).toMatchObject({ n: 3, meanMs: 2, p50Ms: 2, p99Ms: 3, maxMs: 3 });
  });
});
